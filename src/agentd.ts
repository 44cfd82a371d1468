/** `agentd`: parse flags and environment, start the daemon, stop cleanly on SIGINT/SIGTERM. */
import { CommanderError } from 'commander';
import { ConfigError, parseConfig } from './config.js';
import { startDaemon } from './daemon.js';
import { DatabaseLockedError } from './store/db-lock.js';

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
    if (err instanceof ConfigError) {
      process.stderr.write(`agentd: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof DatabaseLockedError) {
      process.stderr.write(`agentd: ${err.message}\nStop that daemon first, or start this one with --db pointing elsewhere.\n`);
      process.exit(1);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`agentd: ${config.host}:${config.port} is already in use (--port to choose another)\n`);
      process.exit(1);
    }
    throw err;
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
  // SIGHUP re-reads the tokens file; without one it keeps its default (it stops agentd).
  if (config.tokensFile) {
    process.on('SIGHUP', () => {
      daemon.reloadTokens().catch((err: unknown) =>
        daemon.app.log.error({ err: { message: (err as Error).message } }, 'tokens file not reloaded; the previous tokens stay in force'));
    });
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`agentd: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
