/**
 * Every benchmark still runs, end to end, at tiny sizes. Timing is asserted nowhere: a figure is
 * only checked to be a measurement (finite, and positive unless it is a difference of two
 * measurements), never against a goal.
 */
import { describe, expect, it } from 'vitest';
import { resolveSizes } from '../../bench/harness.js';
import { benchmarks } from '../../bench/registry.js';
import { skipBrowserTests } from '../support/browser.js';

describe('benchmarks in --quick mode', () => {
  it('registers every benchmark the issue names, once each', () => {
    const names = benchmarks.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const required of ['ingest', 'fanout', 'api', 'dispatch', 'catchup', 'cli', 'memory', 'approval', 'codex-turn', 'notifications', 'usage', 'web',
      'growth-append', 'growth-dispatch', 'growth-sessions', 'growth-memory', 'growth-catchup', 'supervisor']) expect(names).toContain(required);
  });

  for (const bench of benchmarks) {
    // The web benchmark drives chromium: skipped (with the browser tests' message) where it is missing.
    it.skipIf(bench.name === 'web' && skipBrowserTests)(`${bench.name} runs and reports measurements`, async () => {
      const rows = await bench.run({ quick: true, sizes: resolveSizes(bench, true, {}), log: () => {} });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        // A difference of two measurements (see BenchRow.difference) can be ≤ 0 at these sizes; it must still be a number.
        const measured = (x: number) => Number.isFinite(x) && (row.difference === true || x > 0);
        expect(measured(row.project), `${row.measure}: project ${row.project}`).toBe(true);
        if (row.raw !== null) expect(measured(row.raw), `${row.measure}: raw ${row.raw}`).toBe(true);
      }
    }, 120_000);
  }
});
