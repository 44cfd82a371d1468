/**
 * `npm run chaos [-- --kills N --seed S --mode M …]`: kills agentd at random moments under load and
 * prints what clients lost. Exits 0 when every count is 0, 1 when one is not, 2 on a usage error
 * or when the harness itself could not finish (e.g. a restart that failed).
 */
import { formatReport } from './report.js';
import { modes } from './modes.js';
import { DEFAULTS, runChaos, type ChaosOptions } from './run.js';

const NUMERIC: Record<string, { key: keyof ChaosOptions; description: string }> = {
  '--kills': { key: 'kills', description: 'faults to inject' },
  '--seed': { key: 'seed', description: 'seed of the kill schedule, workload and backoffs (default: random, printed)' },
  '--sessions': { key: 'sessions', description: 'sessions, each with a sender and a stream follower' },
  '--window': { key: 'window', description: 'unfinished runs per sender before it waits' },
  '--cancel-percent': { key: 'cancelPercent', description: 'share of runs cancelled soon after their message' },
  '--min-gap-ms': { key: 'minGapMs', description: 'shortest time a daemon lives before the next kill' },
  '--max-gap-ms': { key: 'maxGapMs', description: 'longest time a daemon lives before the next kill' },
  '--concurrency': { key: 'concurrency', description: 'agentd --max-concurrency' },
  '--agent-lines': { key: 'agentLines', description: 'lines each run prints' },
  '--agent-interval-ms': { key: 'agentIntervalMs', description: 'pause between those lines' },
  '--drain-timeout-ms': { key: 'drainTimeoutMs', description: 'after the last kill, how long runs may take to end' },
};

function usage(): string {
  return [
    'usage: npm run chaos -- [--mode M] [--kills N] [--seed S] [--keep always|never|on-failure] [options]',
    '',
    'modes:',
    ...modes.map((m) => `  ${m.name.padEnd(10)} ${m.description}${m.name === DEFAULTS.mode ? ' (default)' : ''}`),
    '',
    'options:',
    ...Object.entries(NUMERIC).map(([flag, { key, description }]) => `  ${`${flag} N`.padEnd(24)} ${description}${key in DEFAULTS ? ` (default ${DEFAULTS[key as keyof typeof DEFAULTS]})` : ''}`),
  ].join('\n');
}

export function parseArgs(argv: string[]): Omit<ChaosOptions, 'log'> {
  const options: Omit<ChaosOptions, 'log'> = { ...DEFAULTS, seed: Math.floor(Math.random() * 2 ** 31) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (flag === '--mode' && value) options.mode = value;
    else if (flag === '--keep' && (value === 'always' || value === 'never' || value === 'on-failure')) options.keep = value;
    else if (NUMERIC[flag]) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a whole number ≥ 0, got ${value ?? 'nothing'}`);
      (options as Record<string, unknown>)[NUMERIC[flag].key] = n;
    } else throw new UsageError(`unknown or incomplete option ${flag}`);
  }
  if (!modes.some((m) => m.name === options.mode)) throw new UsageError(`unknown mode "${options.mode}" (${modes.map((m) => m.name).join(', ')})`);
  if (options.sessions < 1 || options.window < 1 || options.concurrency < 1) throw new UsageError('--sessions, --window and --concurrency must be at least 1');
  if (options.cancelPercent > 100) throw new UsageError('--cancel-percent is at most 100');
  if (options.minGapMs > options.maxGapMs) throw new UsageError('--min-gap-ms must not exceed --max-gap-ms');
  return options;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  let options: Omit<ChaosOptions, 'log'>;
  try {
    options = parseArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  const log = (message: string) => process.stderr.write(`[chaos] ${message}\n`);
  // Ctrl-C: the daemon is killed and the scratch directory kept; a second one exits at once.
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) process.exit(130);
      log(`${signal}: stopping`);
      interrupt.abort();
    });
  }
  log(`mode ${options.mode}, seed ${options.seed}, ${options.kills} kills, ${options.sessions} sessions`);
  try {
    const report = await runChaos({ ...options, signal: interrupt.signal, log });
    console.log(formatReport(report));
    return report.passed ? 0 : 1;
  } catch (err) {
    if (interrupt.signal.aborted) console.error(`chaos: interrupted (seed ${options.seed})`);
    else console.error(`chaos: the harness could not finish (seed ${options.seed}): ${(err as Error).stack ?? err}`);
    return 2;
  }
}

process.exitCode = await main();
