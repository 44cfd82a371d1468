/**
 * growth-append: does appending get slower as the log grows? An assistant message POSTed to a
 * fresh session, timed to its arrival on that session's WebSocket stream (latency), and as many
 * as 8 clients append at once (rate), with 0 … N events already stored in another session.
 * Expected: flat.
 */
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { ROUNDS, sizesUpTo, shapeRow, toSeries, writeChart, type Point } from './support/growth.js';
import { inParallel, jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { appendItems, snapshot, withStore } from './support/seed.js';
import { median, nowMs, percentile } from './support/stats.js';
import { watchStream, wsUrl } from './support/stream-watch.js';

/** On a fresh agentd over `db`: append latency p50 (ms), and ms per append with 8 clients at once. */
async function measureAppends(db: string, appends: number): Promise<{ latencyP50: number; perAppend: number }> {
  const daemon = await startAgentd(['--db', db]);
  const api = jsonClient(daemon.url);
  try {
    const { session } = await api.post('/sessions', { title: 'appends' });
    const watch = await watchStream(wsUrl(daemon.url, `/sessions/${session.id}/stream`));
    const times: number[] = [];
    try {
      for (let i = 0; i < appends + 10; i++) {
        const text = `append ${i}`;
        const arrived = watch.next((e) => e.type === 'message.created' && e.data?.message?.text === text);
        const t0 = nowMs();
        await api.post(`/sessions/${session.id}/messages`, { role: 'assistant', text });
        const { at } = await arrived;
        if (i >= 10) times.push(at - t0); // the first ones warm the JIT up
      }
    } finally {
      watch.close();
    }
    const count = appends * 4;
    const start = nowMs();
    await inParallel(Array.from({ length: count }), 8, (_, i) => api.post(`/sessions/${session.id}/messages`, { role: 'assistant', text: `burst ${i}` }));
    return { latencyP50: percentile(times, 50), perAppend: (nowMs() - start) / count };
  } finally {
    api.close();
    await daemon.stop();
  }
}

export const benchmark: Benchmark = {
  name: 'growth-append',
  description: 'append latency (POST → WebSocket) and rate with 0 … N events already stored; expected flat',
  sizes: {
    stored: { default: 1_000_000, quick: 2_000, description: 'events stored before the largest measurement' },
    appends: { default: 300, quick: 10, description: 'appends timed one at a time, per size' },
  },
  async run({ sizes, quick, log }) {
    const dir = scratchDir('growth-append');
    const db = join(dir.path, 'agentd.db');
    const latency: Point[] = [];
    const rate: Point[] = [];
    try {
      // Each size is a copy of the growing database, so the rounds can visit the sizes in turn.
      const filler = await withStore(db, async (store) => (await store.createSession({ title: 'filler', provider: 'command', cwd: '/', owner: 'local' })).id);
      const copies = new Map<number, string>();
      let stored = 0;
      for (const size of sizesUpTo(sizes.stored!)) {
        await withStore(db, (store) => appendItems(store, filler, size - stored));
        stored = size;
        copies.set(size, snapshot(db, String(size)));
      }
      const byRound = new Map<number, { latency: number[]; perAppend: number[] }>([...copies.keys()].map((size) => [size, { latency: [], perAppend: [] }]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [size, copy] of copies) {
          const figures = await measureAppends(copy, sizes.appends!);
          byRound.get(size)!.latency.push(figures.latencyP50);
          byRound.get(size)!.perAppend.push(figures.perAppend);
          log(`round ${round + 1}, ${size} stored: latency p50 ${figures.latencyP50.toFixed(2)} ms, ${(1000 / figures.perAppend).toFixed(0)} appends/s`);
        }
      }
      for (const [size, figures] of byRound) {
        latency.push({ size, perItem: median(figures.latency) });
        rate.push({ size, perItem: median(figures.perAppend) });
      }
    } finally {
      dir.remove();
    }
    writeChart('growth-append', quick, 'Append cost against events already stored (expected flat)', 'events already stored', 'ms per append', [
      toSeries('POST → WebSocket, p50 (median of rounds)', latency),
      toSeries('8 clients at once, wall time ÷ appends', rate),
    ]);
    const rows: BenchRow[] = latency.map((p) => informational(`append p50 at ${p.size} stored`, 'ms', p.perItem, null));
    rows.push(shapeRow('append latency p50', 'ms', 'flat', latency), shapeRow('append rate (time per append)', 'ms', 'flat', rate));
    return rows;
  },
};
