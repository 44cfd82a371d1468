/**
 * ingest: how fast agentd turns a provider's stdout into durable event rows and broadcasts them,
 * against better-sqlite3 inserting the same rows in batched transactions (WAL) with nothing else.
 */
import { join } from 'node:path';
import { openDatabase } from '../src/store/sqlite/open.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { atLeastRatio, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { jsonClient } from './support/http.js';
import { FIXTURES, scratchDir } from './support/repo.js';
import { nowMs } from './support/stats.js';
import { watchStream, wsUrl } from './support/stream-watch.js';

const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

/** The line the fixture prints for item `i`, and the event data agentd stores for it. */
const line = (i: number) => JSON.stringify({ type: 'item', index: i, text: `line ${i} of the ingest benchmark, about as long as an agent's log line` });
const itemData = (i: number) => ({ phase: 'completed', item: { id: `item_${i}`, type: 'text', text: line(i) } });

/** events/s from the fixture's stdout to a subscriber, through an agentd started with `extraArgs` too. */
export async function measureAgentd(dir: string, count: number, log: (m: string) => void, extraArgs: string[] = []): Promise<number> {
  const daemon = await startAgentd([
    ...extraArgs, '--db', join(dir, 'agentd.db'), '--default-provider', 'command',
    '--command-bin', process.execPath, '--command-arg', join(FIXTURES, 'print-lines.mjs'), '--command-arg', String(count),
  ]);
  const api = jsonClient(daemon.url);
  try {
    const { session } = await api.post('/sessions', { title: 'ingest' });
    const watch = await watchStream(wsUrl(daemon.url, `/sessions/${session.id}/stream`));
    try {
      const done = watch.next((e) => TERMINAL.has(e.type));
      const start = nowMs();
      await api.post(`/sessions/${session.id}/messages`, { role: 'user', text: 'print' });
      const { event, at } = await done;
      if (event.type !== 'run.completed') throw new Error(`ingest run ended ${event.type}: ${JSON.stringify(event.data)}`);
      // Every item reached the subscriber, so every row was committed before it was broadcast.
      const items = watch.received;
      if (items < count) throw new Error(`only ${items} events reached the stream, expected ≥ ${count}`);
      log(`agentd stored and broadcast ${count} items in ${(at - start).toFixed(0)} ms`);
      return count / ((at - start) / 1000);
    } finally {
      watch.close();
    }
  } finally {
    api.close();
    await daemon.stop();
  }
}

/** The same rows into the same schema, in transactions of `batch`, with no daemon around them. */
async function measureRawInserts(dir: string, count: number, batch: number): Promise<number> {
  const path = join(dir, 'raw.db');
  const store = new SqliteStore(path);
  const session = await store.createSession({ title: 'raw', provider: 'command', cwd: dir, owner: 'bench' });
  await store.close();
  const db = openDatabase(path);
  try {
    const insert = db.prepare('INSERT INTO events (session_id, seq, type, run_id, ts, data) VALUES (?, ?, ?, ?, ?, ?)');
    const insertBatch = db.transaction((from: number, to: number) => {
      const ts = new Date().toISOString();
      for (let i = from; i < to; i++) insert.run(session.id, i + 2, 'run.item', null, ts, JSON.stringify(itemData(i)));
    });
    const start = nowMs();
    for (let i = 0; i < count; i += batch) insertBatch(i, Math.min(count, i + batch));
    return count / ((nowMs() - start) / 1000);
  } finally {
    db.close();
  }
}

export const benchmark: Benchmark = {
  name: 'ingest',
  description: 'events/s from a command provider printing JSONL to durable rows and a subscriber, vs batched raw inserts',
  sizes: {
    items: { default: 200_000, quick: 2_000, description: 'JSONL items the provider prints' },
    batch: { default: 1_000, quick: 100, description: 'rows per transaction of the raw reference' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('ingest');
    try {
      const project = await measureAgentd(dir.path, sizes.items!, log);
      const raw = await measureRawInserts(dir.path, sizes.items!, sizes.batch!);
      return [atLeastRatio('ingest', 'events/s', project, raw, 0.5)];
    } finally {
      dir.remove();
    }
  },
};
