/**
 * growth-dispatch: message → agent process latency with 0 … N runs queued ahead of it in other
 * sessions. Those runs wait behind a running run of their own session (two sessions, each busy
 * with a run that holds), so they stay queued and only the pool's choice of what to start next
 * meets them. Expected: flat (the pool must not scan the queue).
 */
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { sizesUpTo, shapeRow, toSeries, writeChart, type Point } from './support/growth.js';
import { jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { withStore } from './support/seed.js';
import { nowMs, percentile } from './support/stats.js';
import { watchStream, wsUrl } from './support/stream-watch.js';

/** The agent: a prompt starting with "hold" keeps it running until cancelled; any other ends it at once. */
const AGENT = ['--command-bin', 'sh', '--command-arg', '-c', '--command-arg', 'read -r prompt; case "$prompt" in hold*) exec sleep 600;; esac; exit 0'];
const BUSY_SESSIONS = 2;
const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/** Sessions each running a holding run, with `queued` runs between them waiting behind it. */
async function seed(path: string, queued: number): Promise<string[]> {
  return withStore(path, async (store) => {
    const holds: string[] = [];
    for (let s = 0; s < BUSY_SESSIONS; s++) {
      const session = await store.createSession({ title: `busy ${s}`, provider: 'command', cwd: '/', owner: 'local' });
      holds.push((await store.createRun(session.id, { provider: 'command', prompt: 'hold' })).id);
      for (let i = s; i < queued; i += BUSY_SESSIONS) await store.createRun(session.id, { provider: 'command', prompt: `queued ${i}` });
    }
    return holds;
  });
}

export const benchmark: Benchmark = {
  name: 'growth-dispatch',
  description: 'message → process latency with 0 … N runs queued ahead in busy sessions; expected flat',
  sizes: {
    queued: { default: 100_000, quick: 200, description: 'runs queued ahead at the largest size' },
    samples: { default: 100, quick: 5, description: 'messages timed per size' },
  },
  async run({ sizes, quick, log }) {
    const points: Point[] = [];
    for (const size of sizesUpTo(sizes.queued!)) {
      const dir = scratchDir('growth-dispatch');
      try {
        const db = join(dir.path, 'agentd.db');
        const holds = await seed(db, size);
        const daemon = await startAgentd(['--db', db, '--default-provider', 'command', ...AGENT, '--max-concurrency', '4']);
        const api = jsonClient(daemon.url);
        try {
          for (const id of holds) {
            for (let tries = 0; (await api.get(`/runs/${id}/wait?timeout_s=0`)).run.state !== 'running'; tries++) {
              if (tries > 200) throw new Error(`holding run ${id} never started`);
              await new Promise((r) => setTimeout(r, 50));
            }
          }
          const { session } = await api.post('/sessions', { title: `dispatch behind ${size}` });
          const watch = await watchStream(wsUrl(daemon.url, `/sessions/${session.id}/stream`));
          const latencies: number[] = [];
          try {
            for (let i = 0; i < sizes.samples! + 5; i++) {
              const started = watch.next((e) => e.type === 'run.process');
              const ended = watch.next((e) => TERMINAL.has(e.type));
              const t0 = nowMs();
              await api.post(`/sessions/${session.id}/messages`, { role: 'user', text: `turn ${i}` });
              const { at } = await started;
              if (i >= 5) latencies.push(at - t0); // the first ones warm the JIT up
              await ended;
            }
          } finally {
            watch.close();
          }
          // The runs ahead were there all along: still queued, none started in their place.
          const { queue_counts: counts } = await api.get('/daemon/status');
          if (counts.queued_count !== size) throw new Error(`${counts.queued_count} runs queued at the end, expected ${size} to stay queued`);
          points.push({ size, perItem: percentile(latencies, 50) });
          log(`${size} queued ahead: p50 ${percentile(latencies, 50).toFixed(2)} ms`);
          for (const id of holds) await api.post(`/runs/${id}/cancel`, {});
        } finally {
          api.close();
          await daemon.stop();
        }
      } finally {
        dir.remove();
      }
    }
    writeChart('growth-dispatch', quick, 'Message → agent process against runs queued ahead (expected flat)', 'runs queued ahead in busy sessions', 'ms, p50', [toSeries('message POST → run.process', points)]);
    const rows: BenchRow[] = points.map((p) => informational(`message → process p50, ${p.size} queued ahead`, 'ms', p.perItem, null));
    rows.push(shapeRow('message → process p50', 'ms', 'flat', points));
    return rows;
  },
};
