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
}

export interface BenchOptions {
  /** Tiny sizes: proves the benchmark still runs (CI), asserts nothing about speed. */
  quick: boolean;
}

export interface Benchmark {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<BenchRow[]>;
}
