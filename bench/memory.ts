/**
 * memory: agentd's resident set with many sessions stored and many idle stream clients attached.
 * There is no raw reference; the goal is absolute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark, BenchRow } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { inParallel, jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { closeClients, openClients } from './support/ws-clients.js';

const LIMIT_MB = 200;

/** Resident set of `pid` in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

export const benchmark: Benchmark = {
  name: 'memory',
  description: `agentd RSS with many sessions and idle WebSocket clients (goal ≤ ${LIMIT_MB} MB)`,
  sizes: {
    sessions: { default: 10_000, quick: 100, description: 'sessions created before measuring' },
    clients: { default: 1_000, quick: 10, description: 'idle WebSocket stream clients' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('memory');
    const daemon = await startAgentd(['--db', join(dir.path, 'agentd.db')]);
    const api = jsonClient(daemon.url);
    let sockets: Awaited<ReturnType<typeof openClients>> = [];
    try {
      const pid = daemon.child.pid!;
      const idle = rssMb(pid);
      await inParallel(Array.from({ length: sizes.sessions! }), 32, (_, i) => api.post('/sessions', { title: `memory ${i}` }));
      const withSessions = rssMb(pid);
      // Half on the global stream, half on a session's own: both kinds of subscription.
      const { session } = await api.post('/sessions', { title: 'watched' });
      const wsBase = daemon.url.replace(/^http/, 'ws');
      const half = Math.floor(sizes.clients! / 2);
      sockets = [
        ...(await openClients(`${wsBase}/stream`, half, { readyType: 'stream.opened' })),
        ...(await openClients(`${wsBase}/sessions/${session.id}/stream`, sizes.clients! - half, { readyType: 'stream.opened' })),
      ];
      const status = await api.get('/daemon/status');
      if (status.open_streams !== sizes.clients) throw new Error(`agentd reports ${status.open_streams} open streams, expected ${sizes.clients}`);
      const loaded = rssMb(pid);
      log(`RSS idle ${idle.toFixed(0)} MB, with ${sizes.sessions} sessions ${withSessions.toFixed(0)} MB, with ${sizes.clients} clients ${loaded.toFixed(0)} MB`);
      const row = (measure: string, mb: number, goal: boolean): BenchRow => ({ measure, project: mb, raw: null, unit: 'MB', ratio: null, goal: goal ? `≤ ${LIMIT_MB} MB` : '—', pass: goal ? mb <= LIMIT_MB : null });
      return [
        row('RSS at start', idle, false),
        row(`RSS, ${sizes.sessions} sessions + ${sizes.clients} idle WS`, loaded, true),
      ];
    } finally {
      await closeClients(sockets);
      api.close();
      await daemon.stop();
      dir.remove();
    }
  },
};
