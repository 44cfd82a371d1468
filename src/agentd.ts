/** `agentd`: parse flags and environment, start the daemon, stop cleanly on SIGINT/SIGTERM. */
import { CommanderError } from 'commander';
import { ConfigError, parseConfig } from './config.js';
import { startDaemon } from './daemon.js';
import { startupFailure } from './startup-errors.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof ConfigError) {
      process.stderr.write(`agentd: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let daemon;
  try {
    daemon = await startDaemon(config);
  } catch (err) {
    process.stderr.write(`agentd: cannot start: ${startupFailure(err, config)}\n`);
    // The stack is for developers; it is printed only when asked for.
    if (config.logLevel === 'debug' || config.logLevel === 'trace') process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    process.exit(1);
  }
  daemon.app.log.info({ url: daemon.url, db: config.dbPath, max_concurrency: config.maxConcurrency }, 'agentd listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemon.app.log.info({ signal }, 'agentd stopping');
    daemon.close().then(
      () => process.exit(0),
      (err: unknown) => {
        daemon.app.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`agentd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
