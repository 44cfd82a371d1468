/**
 * notifications: (1) what the outbox hook adds to every committed event when no endpoint is
 * configured — the store's write path against the same store with its hook replaced by an empty
 * one, one event per transaction (the worst case: the hook runs once per commit), interleaved
 * rounds; and with an endpoint armed for a type the events do not cause. (2) Notifications per
 * second delivered at a local receiver by a real agentd draining N due deliveries (see
 * measureAgentd), against the same number of signed POSTs sent straight to the receiver; and
 * event → delivered latency, one event at a time.
 */
import http from 'node:http';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { AgentEvent } from '../src/protocol/schemas.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { newWebhookSecret } from '../src/notifications/webhook-request.js';
import { atLeastRatio, atMostRatio, informational, type Benchmark, type BenchRow } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { inParallel, jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { median, nowMs, percentile } from './support/stats.js';

const LATENCY_WARMUP = 3;

/** The reference store: the same write path with the hook's test left out. */
class StoreWithoutHook extends SqliteStore {
  override queueNotifications(_committed: AgentEvent[]): number {
    return 0;
  }
}

const item = (i: number) => ({ phase: 'completed' as const, item: { id: `item_${i}`, type: 'text', text: `line ${i} of the notifications benchmark, about as long as an agent's log line` } });

/**
 * µs per commit of one `run.item` event per store (median over rounds), and the median of each
 * round's ratio to the store without the hook: the stores take turns within every round, so a
 * machine that slows down or speeds up between rounds moves both sides of each ratio alike.
 */
async function commitCosts(dir: string, commits: number, rounds: number) {
  const stores = {
    hook: new SqliteStore(join(dir, 'hook.db')),
    none: new StoreWithoutHook(join(dir, 'none.db')),
    armed: new SqliteStore(join(dir, 'armed.db')),
  };
  try {
    await stores.armed.notifications.createWebhook({ owner: 'bench', url: 'https://hooks.example.invalid/', events: ['run.completed'], session_id: null, description: null, secret: newWebhookSecret() });
    if (stores.hook.notifications.outbox.armed || !stores.armed.notifications.outbox.armed) throw new Error('the stores are not configured as the benchmark says');
    const sessions = Object.fromEntries(await Promise.all(Object.entries(stores).map(async ([name, store]) =>
      [name, (await store.createSession({ title: name, provider: 'command', cwd: dir, owner: 'bench' })).id]))) as Record<keyof typeof stores, string>;
    const samples: Record<keyof typeof stores, number[]> = { hook: [], none: [], armed: [] };
    const ratios = { hook: [] as number[], armed: [] as number[] };
    const names = Object.keys(stores) as (keyof typeof stores)[];
    for (let round = 0; round < rounds; round++) {
      // Rotate the order, so no store always runs first (warm caches) or last (a tired machine).
      for (const name of [...names.slice(round % 3), ...names.slice(0, round % 3)]) {
        const store = stores[name];
        const session = sessions[name];
        const start = nowMs();
        for (let i = 0; i < commits; i++) store.write((tx) => tx.emit(session, null, [{ type: 'run.item', data: item(i) }]));
        samples[name].push(((nowMs() - start) * 1000) / commits);
      }
      ratios.hook.push(samples.hook[round]! / samples.none[round]!);
      ratios.armed.push(samples.armed[round]! / samples.none[round]!);
    }
    return {
      hook: median(samples.hook), none: median(samples.none), armed: median(samples.armed),
      hookRatio: median(ratios.hook), armedRatio: median(ratios.armed),
    };
  } finally {
    for (const store of Object.values(stores)) await store.close();
  }
}

interface Receiver {
  url: string;
  /** Answer with 204, or hold every request unanswered (a receiver that is down). */
  holding: boolean;
  /** Resolves when `count` requests have arrived since the last reset. */
  received(count: number): Promise<{ first: number; last: number; latencies: number[] }>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * The local receiver: counts requests, and for each the time from the event (the payload's
 * timestamp, whole milliseconds) to its arrival.
 */
async function startReceiver(): Promise<Receiver> {
  let arrivals: number[] = [];
  let latencies: number[] = [];
  let waiting: { count: number; resolve: (r: { first: number; last: number; latencies: number[] }) => void } | undefined;
  const held = new Set<http.ServerResponse>();
  const settle = () => {
    if (waiting && arrivals.length >= waiting.count) {
      waiting.resolve({ first: arrivals[0]!, last: arrivals[waiting.count - 1]!, latencies: latencies.slice(0, waiting.count) });
      waiting = undefined;
    }
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (receiver.holding) {
        held.add(res);
        return;
      }
      arrivals.push(nowMs());
      latencies.push(Date.now() - Date.parse((JSON.parse(body) as { timestamp: string }).timestamp));
      res.writeHead(204).end();
      settle();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    holding: false,
    received: (count) => new Promise((resolve) => {
      waiting = { count, resolve };
      settle();
    }),
    reset() {
      arrivals = [];
      latencies = [];
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/**
 * agentd. Throughput: N notifications are committed while the receiver is down (N cancels, each
 * ending the last run of its session: `session.idle`); agentd is stopped, the receiver comes back,
 * and a new agentd drains the N due deliveries — measured from the first arrival to the last, so
 * neither the event source nor agentd's start is counted. Latency: then, one event at a time, event
 * committed → delivered.
 */
async function measureAgentd(dir: string, count: number, latencyRounds: number, log: (m: string) => void) {
  const receiver = await startReceiver();
  // --stop-runs: a stop ends the runs (the holder is `sleep 1000`); left to its supervisor it would
  // hold the worker across the restart and outlive the benchmark.
  const args = [
    '--db', join(dir, 'agentd.db'), '--webhook-allow-private', '--max-concurrency', '1', '--stop-runs',
    '--default-provider', 'command', '--command-bin', 'sleep', '--command-arg', '1000',
  ];
  const queueRuns = async (api: ReturnType<typeof jsonClient>, n: number) => inParallel(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const { session } = await api.post('/sessions', { title: `idle ${i}` });
    return (await api.post(`/sessions/${session.id}/messages`, { text: 'queued' })).run.id as string;
  });
  let daemon = await startAgentd(args);
  let api = jsonClient(daemon.url);
  try {
    await api.post('/webhooks', { url: receiver.url, events: ['session.idle'] });
    // The one worker holds this run, so every other run stays queued until cancelled.
    const holder = (await api.post('/sessions', { title: 'holder' })).session;
    await api.post(`/sessions/${holder.id}/messages`, { text: 'hold' });
    const drained = await queueRuns(api, count);
    // After the restart the oldest of these (made one after another) holds the worker; the others
    // are cancelled one by one.
    const later: string[] = [];
    for (let i = 0; i <= latencyRounds + LATENCY_WARMUP; i++) later.push(...(await queueRuns(api, 1)));
    receiver.holding = true;
    await inParallel(drained, 8, (id) => api.post(`/runs/${id}/cancel`, {}));
    api.close();
    await daemon.stop();

    receiver.holding = false;
    receiver.reset();
    const delivered = receiver.received(count);
    daemon = await startAgentd(args);
    api = jsonClient(daemon.url);
    const { first, last } = await delivered;
    log(`agentd drained ${count} due deliveries in ${(last - first).toFixed(0)} ms`);

    receiver.reset();
    const latencies: number[] = [];
    for (const [i, id] of later.slice(1).entries()) {
      const arrived = receiver.received(i + 1);
      await api.post(`/runs/${id}/cancel`, {});
      latencies.push((await arrived).latencies[i]!);
    }
    // The first rounds after a start pay for compiling the path; they are not counted.
    latencies.splice(0, LATENCY_WARMUP);
    return { perSecond: (count - 1) / ((last - first) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    api.close();
    await daemon.stop();
    await receiver.close();
  }
}

/** The reference: the same number of signed POSTs, straight from here, 16 at a time as agentd sends. */
async function measureRaw(count: number) {
  const receiver = await startReceiver();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const signer = new Webhook(newWebhookSecret());
  try {
    const delivered = receiver.received(count);
    await inParallel(Array.from({ length: count }, (_, i) => i), 16, (i) => new Promise<void>((resolve, reject) => {
      const payload = JSON.stringify({ type: 'session.idle', timestamp: new Date().toISOString(), data: { text: `raw ${i}` } });
      const sentAt = new Date();
      const request = http.request(receiver.url, {
        method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'webhook-id': `msg_${i}`, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signer.sign(`msg_${i}`, sentAt, payload) },
      }, (res) => res.resume().on('end', () => resolve()));
      request.on('error', reject);
      request.end(payload);
    }));
    const { first, last } = await delivered;
    return { perSecond: (count - 1) / ((last - first) / 1000) };
  } finally {
    agent.destroy();
    await receiver.close();
  }
}

export const benchmark: Benchmark = {
  name: 'notifications',
  description: 'cost per committed event of the outbox hook with no endpoint (vs the store without it); event → delivered webhooks/s (vs bare signed POSTs)',
  sizes: {
    commits: { default: 1_000, quick: 300, description: 'commits of one event per round and store' },
    rounds: { default: 151, quick: 2, description: 'interleaved rounds of the commit measurement' },
    notifications: { default: 2_000, quick: 20, description: 'due deliveries drained to the local receiver' },
    latency: { default: 100, quick: 3, description: 'events notified one at a time, for event → delivered' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('notifications');
    try {
      const cost = await commitCosts(dir.path, sizes.commits!, sizes.rounds!);
      log(`µs per commit: hook ${cost.hook.toFixed(2)}, without it ${cost.none.toFixed(2)}, armed ${cost.armed.toFixed(2)}; median ratios ${cost.hookRatio.toFixed(3)}, ${cost.armedRatio.toFixed(3)}`);
      const project = await measureAgentd(dir.path, sizes.notifications!, sizes.latency!, log);
      const raw = await measureRaw(sizes.notifications!);
      const rows: BenchRow[] = [
        // The ratio is the median of the rounds' ratios (see commitCosts), not project / raw.
        { ...atMostRatio('per committed event, no endpoint', 'µs', cost.hook, cost.none, 1.05), ratio: cost.hookRatio, pass: cost.hookRatio <= 1.05 },
        { ...informational('per committed event, an endpoint for other events', 'µs', cost.armed, cost.none), ratio: cost.armedRatio },
        atLeastRatio('due deliveries drained', 'notifications/s', project.perSecond, raw.perSecond, 0.25),
        // Whole milliseconds: the payload's timestamp is the event's, in ms.
        informational('event → delivered p50, one at a time', 'ms', project.p50, null),
        informational('event → delivered p99', 'ms', project.p99, null),
      ];
      return rows;
    } finally {
      dir.remove();
    }
  },
};
