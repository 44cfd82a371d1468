/**
 * Fills a database through the store itself (its transactions, its events), before agentd opens
 * it: how the growth benchmarks reach sizes that would take too long through the API.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../../src/store/store.js';

const BATCH = 1_000;

/** A run.item of a realistic size: what most of a real log is. */
export function runItem(i: number): NewEvent {
  return {
    type: 'run.item',
    data: { phase: 'completed', item: { id: `item_${i}`, type: 'command_execution', command: 'bash -lc "ls -la src"', aggregated_output: `line ${i}: output an agent produced while working`, exit_code: 0 } },
  };
}

export async function withStore<T>(path: string, work: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(path);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Appends `count` run.item events to `sessionId`, a thousand per transaction. */
export async function appendItems(store: SqliteStore, sessionId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    await store.appendEvents(sessionId, null, Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => runItem(i + j)));
  }
}

/** Creates `count` sessions of `owner` (each its own transaction, as through the API). */
export async function createSessions(store: SqliteStore, count: number, owner = 'local'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.createSession({ title: `seeded ${i}`, provider: 'command', cwd: '/', owner })).id);
  return ids;
}

/** A copy of the (closed) database at `path` as it is now, for measuring that size later. */
export function snapshot(path: string, name: string): string {
  const copy = `${path}.${name}`;
  copyFileSync(path, copy);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  return copy;
}
