import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventJson } from '../../../src/protocol/event-json.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

/** Stream catch-ups send the wire JSON SQLite builds from the row; it must be the event exactly. */
describe('stored event frames', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-frames-'));
    store = new SqliteStore(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are the same JSON as the events, with and without a run, whatever the data holds', async () => {
    const session = await store.createSession({ title: 'frames "quoted" \\ é ✓', provider: 'command', cwd: '/', owner: 'op_1' });
    const run = await store.createRun(session.id, { provider: 'command', prompt: 'p' });
    const tricky = { text: 'line\nbreak\ttab "quote" \\ back \u0001 ctl \u2028 sep é 🎉', n: -1.5e-7, nested: [null, true, { k: '' }] };
    // Typed events are what the daemon writes; the frame must not depend on what the data holds.
    const append = (runId: string | null, events: { type: string; data: unknown }[]) => store.appendEvents(session.id, runId, events as never);
    await append(run.id, [{ type: 'run.item', data: tricky }, { type: 'run.item', data: null }]);
    await append(null, [{ type: 'custom.type', data: 'just a string' }, { type: 'odd "type"\n\t\u0001 é 🎉 \u2028', data: { a: 1 } }]);
    const events = await store.listEvents(session.id, 0, 100);
    const bySession = await store.listEventFrames({ sessionId: session.id }, 0, 100);
    const byOwner = await store.listEventFrames({ owner: 'op_1' }, 0, 100);
    for (const frames of [bySession, byOwner]) {
      expect(frames.map((f) => f.id)).toEqual(events.map((e) => e.id));
      expect(frames.map((f) => JSON.parse(f.json.toString('utf8')))).toEqual(JSON.parse(JSON.stringify(events)));
      // Byte for byte what a live event sends.
      expect(frames.map((f) => f.json.toString('utf8'))).toEqual(events.map((e) => eventJson(e)));
    }
    expect(await store.listEventFrames({ owner: 'op_2' }, 0, 100)).toEqual([]);
    expect((await store.listEventFrames({ sessionId: session.id }, Number(events[2]!.id.slice(4)), 100)).map((f) => f.id)).toEqual(events.slice(3).map((e) => e.id));
  });
});
