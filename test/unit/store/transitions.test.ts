import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import { RUN_STATES, canTransition, type RunState } from '../../../src/domain/run-states.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

// Paths from `queued` to every state, through legal transitions only.
const PATH_TO: Record<RunState, RunState[]> = {
  queued: [],
  running: ['running'],
  completed: ['running', 'completed'],
  failed: ['running', 'failed'],
  cancelled: ['cancelled'],
  interrupted: ['running', 'interrupted'],
};

describe('store enforces the run state machine', () => {
  let dir: string;
  let store: SqliteStore;
  let sessionId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-store-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
    sessionId = (await store.createSession({ title: null, provider: 'command', cwd: dir, owner: 'local' })).id;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runIn(state: RunState) {
    const run = await store.createRun(sessionId, { provider: 'command', prompt: 'p' });
    for (const step of PATH_TO[state]) await store.transitionRun(run.id, step);
    return run.id;
  }

  for (const from of RUN_STATES) {
    for (const to of RUN_STATES) {
      it(`${from} → ${to}`, async () => {
        const runId = await runIn(from);
        const before = await store.getRun(runId);
        const eventsBefore = (await store.listEvents(sessionId, 0, 1000)).length;
        if (canTransition(from, to)) {
          const run = await store.transitionRun(runId, to);
          expect(run.state).toBe(to);
          const events = await store.listEvents(sessionId, 0, 1000);
          expect(events[events.length - 1]!.type).toBe(`run.${to}`);
        } else {
          await expect(store.transitionRun(runId, to)).rejects.toMatchObject({ code: 'invalid_transition' });
          // Refused means nothing changed: same row, no event.
          expect(await store.getRun(runId)).toEqual(before);
          expect((await store.listEvents(sessionId, 0, 1000)).length).toBe(eventsBefore);
        }
      });
    }
  }

  it('compare-and-set: a wrong expected state is refused and changes nothing', async () => {
    const runId = await runIn('queued');
    const err = await store.transitionRun(runId, 'running', { expected: 'running' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('state_mismatch');
    expect((await store.getRun(runId))!.state).toBe('queued');
  });

  it('per-session seq is gap-free and events come back in order', async () => {
    for (let i = 0; i < 5; i++) await runIn('completed');
    const events = await store.listEvents(sessionId, 0, 1000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});
