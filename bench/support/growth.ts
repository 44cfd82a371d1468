/**
 * What the growth benchmarks share: the sizes a curve is measured at, the verdict on its shape,
 * and its chart in docs/bench/. A curve's verdict compares the cost of one item (one request, one
 * event, one session) at the largest size with that at the smallest: more than twice is a NO.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from '../harness.js';
import { machineDetails } from './machine.js';
import { REPO_ROOT } from './repo.js';
import { lineChart, shortNumber, type Series } from './svg-chart.js';

/** The worst a per-item cost may grow from the smallest size to the largest. */
export const MAX_GROWTH = 2;

/** Sizes from 0 (or `from`) to `largest`: the ends and two steps between, rounded. */
export function sizesUpTo(largest: number, from = 0): number[] {
  const steps = [from, Math.round(largest / 10), Math.round(largest / 3), largest].filter((size) => size >= from);
  return [...new Set(steps)].sort((a, b) => a - b);
}

export interface Point {
  size: number;
  /** The cost of one item at that size (ms per request, µs per event, KB per session…). */
  perItem: number;
}

/**
 * The verdict row of a curve. `shape` is what is expected: `flat` (an operation costs the same
 * whatever is stored) or `linear` (the total grows with the size, so the cost per item is flat).
 * Either way the per-item cost at the largest size may be at most MAX_GROWTH× the smallest's.
 */
export function shapeRow(measure: string, unit: string, shape: 'flat' | 'linear', points: Point[]): BenchRow {
  const first = points[0]!;
  const last = points.at(-1)!;
  const ratio = last.perItem / first.perItem;
  return {
    measure: `${measure}: ${shortNumber(last.size)} vs ${shortNumber(first.size)}`,
    project: last.perItem,
    raw: first.perItem,
    unit,
    ratio,
    goal: `${shape}: ≤ ${MAX_GROWTH}× smallest`,
    pass: ratio <= MAX_GROWTH,
  };
}

/**
 * Writes `docs/bench/NAME.svg` after a full run. A quick run draws it too (so the code is
 * exercised) but writes nothing: tiny sizes would replace the documented curve.
 */
export function writeChart(name: string, quick: boolean, title: string, xLabel: string, yLabel: string, series: Series[]): string | null {
  const svg = lineChart({ title, xLabel, yLabel, series, note: `${new Date().toISOString().slice(0, 10)}, ${machineDetails()}` });
  if (quick) return null;
  const dir = join(REPO_ROOT, 'docs', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.svg`);
  writeFileSync(path, svg);
  return path;
}

export const toSeries = (name: string, points: Point[]): Series => ({ name, points: points.map((p) => [p.size, p.perItem]) });

/**
 * Measurement rounds over every size: sizes are measured in turn, round after round, and each
 * size's figure is the median of its rounds — a shared machine's slow minute then lands on every
 * size alike instead of bending the curve.
 */
export const ROUNDS = 3;
