/**
 * The shape every benchmark in bench/ shares. Each measures the project figure and its raw
 * reference in the same process run, so the ratio holds on a noisy machine.
 */
export interface BenchRow {
  /** What is measured, e.g. "dispatch p50 (ms)". */
  measure: string;
  project: number;
  /** The raw reference measured in the same run; null where there is none (memory). */
  raw: number | null;
  unit: string;
  /** project/raw or raw/project — whichever the goal is stated in. */
  ratio: number | null;
  /** The goal in words, e.g. "≥ 0.5" or "p99 ≤ 2× raw". */
  goal: string;
  /** Whether the goal is met; null where it cannot be judged. */
  pass: boolean | null;
  /**
   * The figures are differences of two measurements (RSS with items minus RSS without), so at sizes
   * below the measurement's resolution — the tiny ones of --quick — they may come out ≤ 0.
   */
  difference?: true;
}

/** A size a benchmark takes as a flag (`--events 200000`), with its full and its quick value. */
export interface SizeSpec {
  default: number;
  quick: number;
  description: string;
}

export interface BenchOptions {
  /** Tiny sizes: proves the benchmark still runs (CI), asserts nothing about speed. */
  quick: boolean;
  /** Every size the benchmark declared, resolved: flag, else quick or default. */
  sizes: Record<string, number>;
  /** Progress for the operator (stderr); the table goes to stdout. */
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  description: string;
  sizes: Record<string, SizeSpec>;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}

/** Resolves a benchmark's sizes from flags (by name), else its quick or full defaults. */
export function resolveSizes(bench: Benchmark, quick: boolean, flags: Record<string, number>): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [name, spec] of Object.entries(bench.sizes)) sizes[name] = flags[name] ?? (quick ? spec.quick : spec.default);
  return sizes;
}

/** A row whose goal is "project / raw ≥ min" (throughput). */
export function atLeastRatio(measure: string, unit: string, project: number, raw: number, min: number): BenchRow {
  const ratio = project / raw;
  return { measure, project, raw, unit, ratio, goal: `≥ ${min}× raw`, pass: ratio >= min };
}

/** A row whose goal is "project / raw ≤ max" (latency, time). */
export function atMostRatio(measure: string, unit: string, project: number, raw: number, max: number): BenchRow {
  const ratio = project / raw;
  return { measure, project, raw, unit, ratio, goal: `≤ ${max}× raw`, pass: ratio <= max };
}

/** A row shown for context, with no goal of its own. */
export function informational(measure: string, unit: string, project: number, raw: number | null): BenchRow {
  return { measure, project, raw, unit, ratio: raw === null ? null : project / raw, goal: '—', pass: null };
}
