/**
 * `agentctl`: exit 0 on success, 1 on an API error (its problem `code` on stderr), 2 on a usage
 * error. Loads only the client side: no server module is imported here.
 */
import { CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { buildProgram } from './cli/program.js';
import { ApiError, UnreachableError } from './client/http-client.js';
import { FieldNotFoundError } from './cli/output.js';
import { UsageError } from './cli/context.js';
import { DownloadError } from './client/download.js';
import { START_HERE } from './cli/help.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  if (process.argv.length <= 2) {
    process.stdout.write(START_HERE);
    return;
  }
  try {
    await buildProgram(version).parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version are successes; everything else commander throws is a usage error.
      process.exitCode = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? 0 : 2;
      return;
    }
    if (err instanceof ApiError) {
      const p = err.problem;
      process.stderr.write(`agentctl: ${p.code}: ${p.detail} (HTTP ${p.status})\n`);
      process.exitCode = 1;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`agentctl: ${err.code}: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof UnreachableError || err instanceof FieldNotFoundError || err instanceof DownloadError) {
      process.stderr.write(`agentctl: ${err.code}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  // A failure nothing above foresaw: one line, no stack (it says nothing to a user).
  process.stderr.write(`agentctl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
