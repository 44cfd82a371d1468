/** `agentd`: parse flags and environment, start the daemon, stop cleanly on SIGINT/SIGTERM. */
import { CommanderError } from 'commander';
import { ConfigError, parseConfig } from './config.js';
import { startDaemon } from './daemon.js';
import { createLogger, type DaemonLogger } from './logging.js';
import { VERSION } from './paths.js';
import type { RunsOnStop } from './protocol/schemas.js';
import { startupFailure } from './startup-errors.js';

async function service(argv: string[]): Promise<void> {
  // Loaded only for `agentd service …`: the daemon itself never needs it.
  const { serviceMain, runCommand, ServiceUsageError } = await import('./service/service.js');
  try {
    process.exitCode = await serviceMain(argv, {
      platform: process.platform,
      env: process.env,
      cwd: process.cwd(),
      nodePath: process.execPath,
      uid: process.getuid?.() ?? 0,
      print: (text) => process.stdout.write(text),
      run: runCommand,
    });
  } catch (err) {
    if (err instanceof ServiceUsageError || err instanceof ConfigError || (err as Error).name === 'EnvFileError') {
      process.stderr.write(`agentd service: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'service') return service(process.argv.slice(3));
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
  let logs: DaemonLogger;
  try {
    logs = await createLogger({ ...config.ops.log, level: config.logLevel });
  } catch (err) {
    process.stderr.write(`agentd: cannot set up logging: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let daemon;
  try {
    daemon = await startDaemon(config, logs.logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`agentd: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`agentd: cannot start: ${startupFailure(err, config)}\n`);
    // The stack is for developers; it is printed only when asked for.
    if (config.logLevel === 'debug' || config.logLevel === 'trace') process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string, runs?: RunsOnStop) => {
    if (stopping) return;
    stopping = true;
    daemon.app.log.info({ signal, ...(runs ? { runs } : {}) }, 'agentd stopping');
    daemon.close(runs ? { runs } : {}).then(
      () => {
        logs.close();
        process.exit(0);
      },
      (err: unknown) => {
        daemon.app.log.error({ err }, 'error while stopping');
        logs.close();
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
  // `agentctl daemon stop` (POST /daemon/stop): stopped as by SIGTERM, with what it asked for its runs.
  void daemon.stopRequested.then(({ runs }) => stop('POST /daemon/stop', runs));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Only now: whoever waits for this line may signal at once, and before a handler exists the
  // kernel's default for SIGTERM (terminate, no cleanup) would apply.
  daemon.app.log.info({ url: daemon.url, db: config.dbPath, max_concurrency: config.maxConcurrency, version: VERSION }, 'agentd listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`agentd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
