import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyGuard, requestHash } from '../../../src/gateway/idempotency.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

describe('IdempotencyGuard', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-idem-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second request with the same key while the first is in flight, and lets it through after', async () => {
    const guard = new IdempotencyGuard(store);
    const scope = { principal: 'p', route: 'POST /sessions', key: 'k' };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = guard.run(scope, { title: 'a' }, 201, async (idem) => {
      await gate;
      return store.createSession({ title: 'a', provider: 'command', cwd: dir, owner: 'p' }, idem);
    });
    await expect(guard.run(scope, { title: 'a' }, 201, async () => 'second effect')).rejects.toMatchObject({ code: 'idempotency_key_in_flight' });
    release();
    const done = await first;
    const replay = await guard.run(scope, { title: 'a' }, 201, async () => 'must not run');
    expect(replay).toEqual({ status: 201, body: { session: done.body }, replayed: true });
  });

  it('hashes requests independently of key order and of the idempotency_key field', () => {
    expect(requestHash({ a: 1, b: { c: 2, d: 3 } })).toBe(requestHash({ b: { d: 3, c: 2 }, a: 1, idempotency_key: 'x' }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});
