import { Command } from 'commander';
import { contextOf } from '../context.js';
import { formatField, pickField } from '../output.js';
import type { Check } from '../../doctor/check.js';
import { withExamples } from '../help.js';

const MARK: Record<Check['status'], string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

function doctorText(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.flatMap((c) => [
    `${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.summary}`,
    ...(c.fix ? [`      ${' '.repeat(width)}  fix: ${c.fix}`] : []),
  ]);
  const bad = checks.filter((c) => c.status === 'fail' || c.status === 'warn').length;
  lines.push(bad === 0 ? 'everything passed' : `${bad} check(s) need attention`);
  return lines.join('\n');
}

export function doctorCommand(): Command {
  const doctor = new Command('doctor')
    .description('check agentd, the agent CLIs, the database and the clock; explains each failure and its fix; exit 0 only if all pass')
    .option('--skip <check>', 'leave out a check by name (e.g. claude when you do not use it), repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--db <path>', 'database to check when agentd does not answer (AGENTD_DB, default .data/agent-orchestrator.db)')
    .option('--codex-bin <path>', 'codex to check when agentd does not answer (AGENTD_CODEX_BIN, default codex)')
    .option('--claude-bin <path>', 'claude to check when agentd does not answer (AGENTD_CLAUDE_BIN, default claude)')
    .action(async (opts: { skip?: string[]; db?: string; codexBin?: string; claudeBin?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      // Loaded only here: the checks pull in SQLite and child processes that other commands never need.
      const [{ runDoctor }, { allPassed }, { PACKAGE_ROOT, VERSION }] = await Promise.all([
        import('../../doctor/client.js'),
        import('../../doctor/check.js'),
        import('../../paths.js'),
      ]);
      const env = process.env;
      const skipped = new Set(opts.skip ?? []);
      const checks = (await runDoctor({
        client,
        version: VERSION,
        packageRoot: PACKAGE_ROOT,
        local: {
          db: opts.db ?? env.AGENTD_DB ?? '.data/agent-orchestrator.db',
          codexBin: opts.codexBin ?? env.AGENTD_CODEX_BIN ?? 'codex',
          claudeBin: opts.claudeBin ?? env.AGENTD_CLAUDE_BIN ?? 'claude',
          defaultProvider: env.AGENTD_DEFAULT_PROVIDER ?? 'codex',
          env,
        },
      })).filter((c) => ![...skipped].some((name) => c.name === name || c.name.startsWith(`${name} `)));
      const ok = allPassed(checks);
      const result = { ok, checks };
      let text: string;
      if (out.field) text = formatField(pickField(result, out.field));
      else if (out.format === 'json') text = JSON.stringify(result);
      else text = doctorText(checks);
      process.stdout.write(`${text}\n`);
      if (!ok) process.exitCode = 1;
    });
  return withExamples(doctor, 'agentctl doctor', 'agentctl --format json doctor --skip claude');
}
