/**
 * growth-memory: agentd's resident set against sessions stored (it keeps each session's owner and
 * tree in memory for the streams) and against idle WebSocket streams. Expected: linear, so the
 * memory per session (and per stream) at the largest size at most 2× that at the smallest.
 */
import { join } from 'node:path';
import type WebSocket from 'ws';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { rssMb } from './memory.js';
import { startAgentd } from './support/agentd.js';
import { sizesUpTo, shapeRow, toSeries, writeChart, type Point } from './support/growth.js';
import { jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { createSessions, withStore } from './support/seed.js';
import { closeClients, openClients } from './support/ws-clients.js';

/** RSS of a daemon that just started on `db` and answered a first page of sessions. */
async function rssAtStart(db: string): Promise<number> {
  const daemon = await startAgentd(['--db', db]);
  const api = jsonClient(daemon.url);
  try {
    await api.get('/sessions?limit=50');
    return rssMb(daemon.child.pid!);
  } finally {
    api.close();
    await daemon.stop();
  }
}

/** Per-item cost in KB from RSS figures in MB, against the first (empty) point. */
const perItemKb = (rss: { size: number; mb: number }[]): Point[] =>
  rss.slice(1).map((p) => ({ size: p.size, perItem: ((p.mb - rss[0]!.mb) * 1024) / p.size }));

export const benchmark: Benchmark = {
  name: 'growth-memory',
  description: 'agentd RSS against sessions stored and against idle WebSocket streams; expected linear',
  sizes: {
    sessions: { default: 100_000, quick: 300, description: 'sessions stored at the largest size' },
    streams: { default: 5_000, quick: 30, description: 'idle WebSocket streams at the largest size' },
  },
  async run({ sizes, quick, log }) {
    const dir = scratchDir('growth-memory');
    const db = join(dir.path, 'agentd.db');
    const bySessions: { size: number; mb: number }[] = [];
    const byStreams: { size: number; mb: number }[] = [];
    try {
      let stored = 0;
      for (const size of sizesUpTo(sizes.sessions!)) {
        await withStore(db, (store) => createSessions(store, size - stored));
        stored = size;
        bySessions.push({ size, mb: await rssAtStart(db) });
        log(`${size} sessions: RSS ${bySessions.at(-1)!.mb.toFixed(1)} MB`);
      }

      const daemon = await startAgentd(['--db', join(dir.path, 'streams.db')]);
      const api = jsonClient(daemon.url);
      const sockets: WebSocket[] = [];
      try {
        const { session } = await api.post('/sessions', { title: 'watched' });
        const base = daemon.url.replace(/^http/, 'ws');
        for (const size of sizesUpTo(sizes.streams!)) {
          // Half on the global stream, half on one session's: both kinds of subscription.
          const more = size - sockets.length;
          const half = Math.floor(more / 2);
          sockets.push(...(await openClients(`${base}/stream`, half, { readyType: 'stream.opened' })));
          sockets.push(...(await openClients(`${base}/sessions/${session.id}/stream`, more - half, { readyType: 'stream.opened' })));
          const status = await api.get('/daemon/status');
          if (status.open_streams !== size) throw new Error(`agentd reports ${status.open_streams} open streams, expected ${size}`);
          byStreams.push({ size, mb: rssMb(daemon.child.pid!) });
          log(`${size} idle streams: RSS ${byStreams.at(-1)!.mb.toFixed(1)} MB`);
        }
      } finally {
        await closeClients(sockets);
        api.close();
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
    writeChart('growth-memory', quick, 'agentd RSS against sessions stored and idle streams (expected linear)', 'sessions stored, or idle WebSocket streams', 'RSS, MB', [
      toSeries('sessions stored (at start)', bySessions.map((p) => ({ size: p.size, perItem: p.mb }))),
      toSeries('idle WebSocket streams', byStreams.map((p) => ({ size: p.size, perItem: p.mb }))),
    ]);
    const rows: BenchRow[] = [
      ...bySessions.map((p) => informational(`RSS with ${p.size} sessions`, 'MB', p.mb, null)),
      ...byStreams.map((p) => informational(`RSS with ${p.size} idle streams`, 'MB', p.mb, null)),
    ];
    // RSS moves by whole pages and with the GC: at --quick sizes (a few hundred sessions, a few
    // dozen streams) the difference is within that noise and may even be negative.
    rows.push(
      { ...shapeRow('memory per session', 'KB', 'linear', perItemKb(bySessions)), difference: true },
      { ...shapeRow('memory per idle stream', 'KB', 'linear', perItemKb(byStreams)), difference: true },
    );
    return rows;
  },
};
