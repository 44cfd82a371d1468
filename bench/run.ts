/**
 * `npm run bench [-- NAME…] [--quick] [--json] [--SIZE N…]`: runs the benchmarks (all, or those
 * named) and prints one table of project figure, raw reference, ratio and goal.
 */
import { resolveSizes, type BenchRow } from './harness.js';
import { benchmarks } from './registry.js';
import { round } from './support/stats.js';
import { machineDetails } from './support/machine.js';

interface Args {
  names: string[];
  quick: boolean;
  json: boolean;
  sizes: Record<string, number>;
}

function usage(): string {
  const lines = ['usage: npm run bench -- [NAME…] [--quick] [--json] [--SIZE N…]', '', 'benchmarks:'];
  for (const b of benchmarks) {
    lines.push(`  ${b.name.padEnd(10)} ${b.description}`);
    for (const [size, spec] of Object.entries(b.sizes)) lines.push(`    --${size} N`.padEnd(26) + `${spec.description} (default ${spec.default}, quick ${spec.quick})`);
  }
  return lines.join('\n');
}

function parseArgs(argv: string[]): Args {
  const known = new Set(benchmarks.flatMap((b) => Object.keys(b.sizes)));
  const args: Args = { names: [], quick: false, json: false, sizes: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--json') args.json = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (arg.startsWith('--')) {
      const name = arg.slice(2);
      const value = Number(argv[++i]);
      if (!known.has(name)) throw new Error(`unknown flag ${arg}\n\n${usage()}`);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`);
      args.sizes[name] = value;
    } else if (benchmarks.some((b) => b.name === arg)) args.names.push(arg);
    else throw new Error(`unknown benchmark "${arg}"\n\n${usage()}`);
  }
  return args;
}

function formatNumber(value: number | null): string {
  if (value === null) return '—';
  return String(round(value));
}

function table(rows: (BenchRow & { bench: string })[]): string {
  const header = ['benchmark', 'measure', 'project', 'raw', 'unit', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [r.bench, r.measure, formatNumber(r.project), formatNumber(r.raw), r.unit, formatNumber(r.ratio), r.goal, r.pass === null ? '—' : r.pass ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = args.names.length ? benchmarks.filter((b) => args.names.includes(b.name)) : benchmarks;
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  log(machineDetails());
  const rows: (BenchRow & { bench: string })[] = [];
  for (const bench of selected) {
    log(`${bench.name}: ${bench.description}`);
    const sizes = resolveSizes(bench, args.quick, args.sizes);
    const result = await bench.run({ quick: args.quick, sizes, log: (m) => log(`${bench.name}: ${m}`) });
    rows.push(...result.map((r) => ({ ...r, bench: bench.name })));
  }
  console.log(args.json ? JSON.stringify({ machine: machineDetails(), quick: args.quick, rows }, null, 2) : table(rows));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
