import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

describe('store reads a run with its session scope in one query', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-run-scope-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the run exactly as getRun does, with the owner and root of its session', async () => {
    const root = await store.createSession({ title: null, provider: 'command', cwd: dir, owner: 'alice' });
    const child = await store.createSession({ title: null, provider: 'command', cwd: dir, owner: 'alice', parent_session_id: root.id });
    const run = await store.createRun(child.id, { provider: 'command', prompt: 'p' });
    await store.transitionRun(run.id, 'running', { patch: { pid: 42, pgid: 42 } });
    await store.transitionRun(run.id, 'completed', {
      patch: { exit_code: 0, final_text: 'done', usage: { input_tokens: 3, cached_input_tokens: 0, output_tokens: 2, reasoning_tokens: null, model: null, cost_usd: null, cost_source: null, reported: null } },
    });

    const found = await store.getRunInScope(run.id);
    expect(found?.run).toEqual(await store.getRun(run.id));
    expect(found?.scope).toEqual({ id: child.id, owner: 'alice', root_session_id: root.id });
  });

  it('finds nothing for an unknown run', async () => {
    expect(await store.getRunInScope('run_unknown')).toBeUndefined();
  });
});
