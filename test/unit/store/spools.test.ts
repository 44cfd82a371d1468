/**
 * The consumed spool offset of a supervised run commits with the events derived from it (issue 19):
 * a restarted daemon continues exactly after the last batch that was written, never before or after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

describe('run output with spool progress', () => {
  let dir: string;
  let store: SqliteStore;
  let sessionId: string;
  let runId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-spools-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
    sessionId = (await store.createSession({ title: null, provider: 'command', cwd: dir, owner: 'local' })).id;
    runId = (await store.createRun(sessionId, { provider: 'command', prompt: 'p' })).id;
    await store.transitionRun(runId, 'running');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const item = (text: string) => ({ type: 'run.item' as const, data: { phase: 'completed' as const, item: { id: text, type: 'text', text } } });
  const items = async () => (await store.listEvents(sessionId, 0, 100)).filter((e) => e.type === 'run.item').map((e) => (e.data as any).item.text);

  it('stores the events, the thread id and the offset together, and the offset only moves with its batch', async () => {
    await store.startSpool(runId, 1, 4242);
    expect(await store.getSpoolProgress(runId, 1)).toEqual({ runId, attempt: 1, offset: 0, supervisorPid: 4242 });
    await store.appendRunOutput(runId, { sessionId, events: [item('a'), item('b')], thread: { provider: 'command', id: 'thr_1' }, spool: { attempt: 1, offset: 120 } });
    expect(await store.getSpoolProgress(runId, 1)).toMatchObject({ offset: 120 });
    expect(await items()).toEqual(['a', 'b']);
    expect((await store.getSession(sessionId))!.thread_ids).toEqual({ command: 'thr_1' });

    // A batch that cannot be written (an event of an unknown session) moves nothing.
    await expect(store.appendRunOutput(runId, { sessionId: 'ses_missing', events: [item('c')], spool: { attempt: 1, offset: 200 } })).rejects.toThrow();
    expect(await store.getSpoolProgress(runId, 1)).toMatchObject({ offset: 120 });
    expect(await items()).toEqual(['a', 'b']);
  });

  it('keeps the offset even when the supervisor was never recorded (a daemon that died in between)', async () => {
    expect(await store.getSpoolProgress(runId, 1)).toBeUndefined();
    await store.appendRunOutput(runId, { sessionId, events: [item('a')], spool: { attempt: 1, offset: 64 } });
    expect(await store.getSpoolProgress(runId, 1)).toEqual({ runId, attempt: 1, offset: 64, supervisorPid: null });
    // Recording the supervisor late keeps what was consumed.
    await store.startSpool(runId, 1, 77);
    expect(await store.getSpoolProgress(runId, 1)).toEqual({ runId, attempt: 1, offset: 64, supervisorPid: 77 });
  });
});
