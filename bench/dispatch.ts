/**
 * dispatch: how long from a user message to its agent process running, and how long agentd takes
 * to drain many tiny runs through its pool — against `child_process.spawn` of the same command.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { inParallel, jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { nowMs, percentile } from './support/stats.js';
import { watchStream, wsUrl } from './support/stream-watch.js';

/** The agent: does nothing, so what is measured is the way to it. */
const AGENT = 'true';
const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/** One spawn: from the call to the 'spawn' event (the process exists and exec succeeded). */
function rawSpawn(): Promise<{ started: number; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    // The options agentd spawns agents with (its own process group, piped stdio).
    const child = spawn(AGENT, [], { stdio: 'pipe', detached: true });
    child.stdin.end();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('spawn', () => resolve({ started: nowMs() - start, exited }));
    child.once('error', reject);
  });
}

async function rawLatencies(samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const { started, exited } = await rawSpawn();
    latencies.push(started);
    await exited;
  }
  return latencies;
}

/** `runs` spawns, at most `concurrency` alive at once, until the last exits; milliseconds. */
async function rawDrain(runs: number, concurrency: number): Promise<number> {
  const start = nowMs();
  await inParallel(Array.from({ length: runs }), concurrency, async () => (await rawSpawn()).exited);
  return nowMs() - start;
}

export const benchmark: Benchmark = {
  name: 'dispatch',
  description: `message POST → agent process started, and draining many runs of \`${AGENT}\`, vs child_process.spawn`,
  sizes: {
    samples: { default: 200, quick: 5, description: 'sequential messages timed to process start' },
    runs: { default: 1000, quick: 20, description: 'runs to drain' },
    concurrency: { default: 4, quick: 4, description: 'agentd --max-concurrency while draining' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('dispatch');
    const daemon = await startAgentd([
      '--db', join(dir.path, 'agentd.db'), '--default-provider', 'command', '--command-bin', AGENT,
      '--max-concurrency', String(sizes.concurrency),
    ]);
    const api = jsonClient(daemon.url);
    try {
      const rows: BenchRow[] = [];

      // Latency: one session, one message at a time, timed to the run.process event on its stream.
      const { session } = await api.post('/sessions', { title: 'dispatch' });
      const watch = await watchStream(wsUrl(daemon.url, `/sessions/${session.id}/stream`));
      const latencies: number[] = [];
      try {
        for (let i = 0; i < sizes.samples! + 5; i++) {
          const started = watch.next((e) => e.type === 'run.process');
          const ended = watch.next((e) => TERMINAL.has(e.type));
          const t0 = nowMs();
          await api.post(`/sessions/${session.id}/messages`, { role: 'user', text: `turn ${i}` });
          const { at } = await started;
          // The first few warm up the JIT on both sides; they are not counted.
          if (i >= 5) latencies.push(at - t0);
          await ended;
        }
      } finally {
        watch.close();
      }
      const raw = await rawLatencies(sizes.samples!);
      const p50 = percentile(latencies, 50);
      const rawP50 = percentile(raw, 50);
      log(`message → process p50 ${p50.toFixed(2)} ms (raw spawn ${rawP50.toFixed(2)} ms)`);
      rows.push({ measure: 'message → process p50', project: p50, raw: rawP50, unit: 'ms', ratio: p50 / rawP50, goal: '≤ raw + 5 ms', pass: p50 <= rawP50 + 5 });
      rows.push(informational('message → process p99', 'ms', percentile(latencies, 99), percentile(raw, 99)));

      // Drain: every run on its own session so the pool, not session order, is the limit.
      const sessions = await inParallel(Array.from({ length: sizes.runs! }), 16, async (_, i) => (await api.post('/sessions', { title: `drain ${i}` })).session.id as string);
      const draining = new Set(sessions);
      const global = await watchStream(wsUrl(daemon.url, '/stream'));
      let drained: number;
      try {
        let ended = 0;
        const allEnded = global.next((e) => TERMINAL.has(e.type) && draining.has(e.session_id) && ++ended === sizes.runs);
        const start = nowMs();
        await inParallel(sessions, 16, (id) => api.post(`/sessions/${id}/messages`, { role: 'user', text: 'go' }));
        await allEnded;
        drained = nowMs() - start;
      } finally {
        global.close();
      }
      const rawDrained = await rawDrain(sizes.runs!, sizes.concurrency!);
      log(`drained ${sizes.runs} runs in ${drained.toFixed(0)} ms (raw ${rawDrained.toFixed(0)} ms)`);
      rows.push(informational(`drain ${sizes.runs} runs at concurrency ${sizes.concurrency}`, 'ms', drained, rawDrained));
      return rows;
    } finally {
      api.close();
      await daemon.stop();
      dir.remove();
    }
  },
};

