/**
 * memory: agentd's resident set with many sessions stored and many stream clients attached — idle
 * ones that read, then as many that never read while events keep coming. There is no raw
 * reference; the goals are absolute.
 */
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import type { Benchmark, BenchRow } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { inParallel, jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { openStalledClient, type StalledKind } from './support/stalled-clients.js';
import { closeClients, openClients } from './support/ws-clients.js';

const LIMIT_MB = 200;
const STALLED_LIMIT_MB = 250;

/** Resident set of `pid` in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/** Samples `pid`'s RSS until stopped; returns the peak. */
function peakSampler(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

export const benchmark: Benchmark = {
  name: 'memory',
  description: `agentd RSS with many sessions and idle WebSocket clients (goal ≤ ${LIMIT_MB} MB), then clients that never read (goal ≤ ${STALLED_LIMIT_MB} MB)`,
  sizes: {
    sessions: { default: 10_000, quick: 100, description: 'sessions created before measuring' },
    clients: { default: 1_000, quick: 10, description: 'idle WebSocket stream clients' },
    stalled: { default: 1_000, quick: 8, description: 'stream clients that never read (SSE and WebSocket, global and one session)' },
    messages: { default: 2_000, quick: 20, description: '2 kB messages appended while the non-reading clients are attached' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('memory');
    const total = sizes.clients! + sizes.stalled!;
    const daemon = await startAgentd(['--db', join(dir.path, 'agentd.db'), '--max-streams', String(total + 10), '--max-connections', String(total + 100)]);
    const api = jsonClient(daemon.url);
    let sockets: Awaited<ReturnType<typeof openClients>> = [];
    const stalled: net.Socket[] = [];
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
      // Idle means caught up: a message posted now reaches every client once its replay is done.
      const marker = `caught up ${Date.now()}`;
      const reached = sockets.map((socket) => new Promise<void>((resolve) => {
        const onMessage = (data: unknown) => {
          if (!String(data).includes(marker)) return;
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
      }));
      await api.post(`/sessions/${session.id}/messages`, { text: marker, role: 'system' });
      await Promise.all(reached);
      const loaded = rssMb(pid);
      log(`RSS idle ${idle.toFixed(0)} MB, with ${sizes.sessions} sessions ${withSessions.toFixed(0)} MB, with ${sizes.clients} clients ${loaded.toFixed(0)} MB`);

      // Clients that never read, from the start of the log (a catch-up of every session's events
      // for the global ones), while 2 kB messages keep coming; the API must keep answering.
      const peak = peakSampler(pid);
      const kinds: [StalledKind, string][] = [['sse', '/stream'], ['ws', '/stream'], ['sse', `/sessions/${session.id}/stream`], ['ws', `/sessions/${session.id}/stream`]];
      for (let i = 0; i < sizes.stalled!; i++) {
        const [kind, path] = kinds[i % kinds.length]!;
        stalled.push(await openStalledClient(daemon.url, path, kind));
      }
      const text = 'x'.repeat(2048);
      let slowestStatusMs = 0;
      await inParallel(Array.from({ length: sizes.messages! }), 8, async (_, i) => {
        await api.post(`/sessions/${session.id}/messages`, { text, role: 'system' });
        if (i % 100 === 0) {
          const started = process.hrtime.bigint();
          await api.get('/daemon/status');
          slowestStatusMs = Math.max(slowestStatusMs, Number(process.hrtime.bigint() - started) / 1e6);
        }
      });
      const after = await api.get('/daemon/status').catch(async (err: unknown) => {
        throw new Error(`${(err as Error).message}; agentd: ${daemon.child.exitCode ?? daemon.child.signalCode ?? 'running'} ${daemon.output().slice(-3000)}`);
      });
      const stalledPeak = peak.stop();
      log(`with ${sizes.stalled} clients that never read and ${sizes.messages} messages: RSS peak ${stalledPeak.toFixed(0)} MB, now ${rssMb(pid).toFixed(0)} MB; ${after.open_streams} streams open; slowest status ${slowestStatusMs.toFixed(0)} ms`);

      const row = (measure: string, mb: number, limit: number | null): BenchRow => ({ measure, project: mb, raw: null, unit: 'MB', ratio: null, goal: limit ? `≤ ${limit} MB` : '—', pass: limit ? mb <= limit : null });
      return [
        row('RSS at start', idle, null),
        row(`RSS, ${sizes.sessions} sessions + ${sizes.clients} idle WS`, loaded, LIMIT_MB),
        row(`RSS peak, + ${sizes.stalled} clients that never read, ${sizes.messages} × 2 kB appended`, stalledPeak, STALLED_LIMIT_MB),
        { measure: 'slowest GET /daemon/status meanwhile', project: slowestStatusMs, raw: null, unit: 'ms', ratio: null, goal: '—', pass: null },
      ];
    } catch (err) {
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
        throw new Error(`agentd died (${daemon.child.exitCode ?? daemon.child.signalCode}): ${daemon.output().slice(-3000)}`);
      }
      throw err;
    } finally {
      for (const socket of stalled) socket.destroy();
      await closeClients(sockets);
      api.close();
      await daemon.stop();
      dir.remove();
    }
  },
};
