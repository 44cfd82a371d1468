/**
 * growth-catchup: catch-up time against log length. Sessions of growing length are replayed
 * from no cursor over HTTP pages and over a WebSocket stream. Expected: linear (the same cost per
 * event however long the log).
 */
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { overHttp, overWebSocket } from './catchup.js';
import { startAgentd } from './support/agentd.js';
import { ROUNDS, sizesUpTo, shapeRow, toSeries, writeChart, type Point } from './support/growth.js';
import { scratchDir } from './support/repo.js';
import { appendItems, withStore } from './support/seed.js';
import { median, nowMs } from './support/stats.js';

export const benchmark: Benchmark = {
  name: 'growth-catchup',
  description: 'catch-up (HTTP pages, WebSocket) of sessions 1/30 … N events long; expected linear',
  sizes: {
    events: { default: 300_000, quick: 3_000, description: 'events in the longest session' },
  },
  async run({ sizes, quick, log }) {
    const dir = scratchDir('growth-catchup');
    const db = join(dir.path, 'agentd.db');
    const lengths = sizesUpTo(sizes.events!, Math.round(sizes.events! / 30));
    const http: Point[] = [];
    const ws: Point[] = [];
    try {
      const sessions = await withStore(db, async (store) => {
        const ids: string[] = [];
        for (const length of lengths) {
          const { id } = await store.createSession({ title: `${length} events`, provider: 'command', cwd: '/', owner: 'local' });
          await appendItems(store, id, length - 1); // and its session.created
          ids.push(id);
        }
        return ids;
      });
      const daemon = await startAgentd(['--db', db]);
      try {
        // Rounds visit every length in turn, so a slow moment of the machine does not bend the curve.
        const httpTimes = lengths.map(() => [] as number[]);
        const wsTimes = lengths.map(() => [] as number[]);
        for (let round = 0; round < ROUNDS; round++) {
          for (const [i, length] of lengths.entries()) {
            let start = nowMs();
            const read = await overHttp(daemon.url, sessions[i]!);
            if (read !== length) throw new Error(`HTTP replay read ${read} events, expected ${length}`);
            httpTimes[i]!.push(nowMs() - start);
            start = nowMs();
            await overWebSocket(daemon.url, sessions[i]!, length);
            wsTimes[i]!.push(nowMs() - start);
            log(`round ${round + 1}, ${length} events: HTTP ${httpTimes[i]!.at(-1)!.toFixed(0)} ms, WebSocket ${wsTimes[i]!.at(-1)!.toFixed(0)} ms`);
          }
        }
        for (const [i, length] of lengths.entries()) {
          http.push({ size: length, perItem: (median(httpTimes[i]!) * 1000) / length });
          ws.push({ size: length, perItem: (median(wsTimes[i]!) * 1000) / length });
        }
      } finally {
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
    writeChart('growth-catchup', quick, 'Catch-up time against log length (expected linear)', 'events in the session', 'ms to replay from no cursor', [
      toSeries('HTTP pages of 1000', http.map((p) => ({ size: p.size, perItem: (p.perItem * p.size) / 1000 }))),
      toSeries('WebSocket stream', ws.map((p) => ({ size: p.size, perItem: (p.perItem * p.size) / 1000 }))),
    ]);
    const rows: BenchRow[] = [
      ...http.map((p) => informational(`HTTP µs/event at ${p.size} events`, 'µs', p.perItem, null)),
      ...ws.map((p) => informational(`WebSocket µs/event at ${p.size} events`, 'µs', p.perItem, null)),
    ];
    rows.push(shapeRow('catch-up per event, HTTP', 'µs', 'linear', http), shapeRow('catch-up per event, WebSocket', 'µs', 'linear', ws));
    return rows;
  },
};
