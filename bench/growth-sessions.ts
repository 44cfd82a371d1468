/**
 * growth-sessions: `GET /sessions`, its first page and a cursor page deep in the list (90 % of
 * the way down), with 1/100 … N sessions stored. Expected: flat.
 */
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { ROUNDS, sizesUpTo, shapeRow, toSeries, writeChart, type Point } from './support/growth.js';
import { jsonClient, type JsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { createSessions, snapshot, withStore } from './support/seed.js';
import { median, nowMs } from './support/stats.js';

const PAGE = 50;

async function timed(api: JsonClient, path: string, samples: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const start = nowMs();
    const page = await api.get(path);
    if (page.sessions.length !== PAGE) throw new Error(`${path}: ${page.sessions.length} sessions, expected ${PAGE}`);
    if (i >= 5) times.push(nowMs() - start); // the first ones warm the JIT up
  }
  return median(times);
}

export const benchmark: Benchmark = {
  name: 'growth-sessions',
  description: 'GET /sessions first page and a deep cursor page with 1/100 … N sessions stored; expected flat',
  sizes: {
    sessions: { default: 100_000, quick: 600, description: 'sessions stored at the largest size' },
    samples: { default: 100, quick: 5, description: 'requests timed per page and size' },
  },
  async run({ sizes, quick, log }) {
    const dir = scratchDir('growth-sessions');
    const db = join(dir.path, 'agentd.db');
    const first: Point[] = [];
    const deep: Point[] = [];
    try {
      // Each size is a copy of the growing database, so the rounds can visit the sizes in turn.
      const ids: string[] = [];
      const copies: { size: number; db: string; cursor: string }[] = [];
      for (const size of sizesUpTo(sizes.sessions!, Math.max(2 * PAGE, Math.round(sizes.sessions! / 100)))) {
        ids.push(...(await withStore(db, (store) => createSessions(store, size - ids.length))));
        // Newest first, and the cursor is the last id of the page before: 90 % down the list is an
        // old id, with at least a page of older ones after it.
        copies.push({ size, db: snapshot(db, String(size)), cursor: ids[Math.max(PAGE, Math.floor(size / 10))]! });
      }
      const rounds = new Map(copies.map((c) => [c.size, { first: [] as number[], deep: [] as number[] }]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const { size, db: copy, cursor } of copies) {
          const daemon = await startAgentd(['--db', copy]);
          const api = jsonClient(daemon.url);
          try {
            const firstMs = await timed(api, `/sessions?limit=${PAGE}`, sizes.samples!);
            const deepMs = await timed(api, `/sessions?limit=${PAGE}&cursor=${cursor}`, sizes.samples!);
            rounds.get(size)!.first.push(firstMs);
            rounds.get(size)!.deep.push(deepMs);
            log(`round ${round + 1}, ${size} sessions: first page ${firstMs.toFixed(2)} ms, deep page ${deepMs.toFixed(2)} ms`);
          } finally {
            api.close();
            await daemon.stop();
          }
        }
      }
      for (const [size, r] of rounds) {
        first.push({ size, perItem: median(r.first) });
        deep.push({ size, perItem: median(r.deep) });
      }
    } finally {
      dir.remove();
    }
    writeChart('growth-sessions', quick, `GET /sessions (${PAGE} a page) against sessions stored (expected flat)`, 'sessions stored', 'ms per request (median of each round, median of rounds)', [
      toSeries('first page', first),
      toSeries('cursor page 90 % down', deep),
    ]);
    const rows: BenchRow[] = [
      ...first.map((p) => informational(`first page at ${p.size} sessions`, 'ms', p.perItem, null)),
      ...deep.map((p) => informational(`deep page at ${p.size} sessions`, 'ms', p.perItem, null)),
    ];
    rows.push(shapeRow('GET /sessions first page', 'ms', 'flat', first), shapeRow('GET /sessions deep cursor page', 'ms', 'flat', deep));
    return rows;
  },
};
