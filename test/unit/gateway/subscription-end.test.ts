/**
 * A stream that must end after a given event (a run token's run ending): exactly which events it
 * sends when that event arrives while it is still replaying, and when it is live.
 */
import { describe, expect, it } from 'vitest';
import { eventIdFromPosition } from '../../../src/domain/ids.js';
import type { AgentEvent } from '../../../src/protocol/schemas.js';
import type { Store } from '../../../src/store/store.js';
import { StreamHub } from '../../../src/gateway/streams/hub.js';
import { Subscription, type CloseKind, type StreamTransport } from '../../../src/gateway/streams/subscription.js';
import { StreamBudget } from '../../../src/gateway/streams/budget.js';
import { ReplayTurns } from '../../../src/gateway/streams/replay-turns.js';
import type { StoredFrame } from '../../../src/protocol/event-json.js';

const event = (position: number, type = 'message.created', run_id?: string): AgentEvent =>
  ({ id: eventIdFromPosition(position), session_id: 'ses_a', seq: position, type, ts: '2026-01-01T00:00:00.000Z', data: {}, ...(run_id && { run_id }) }) as AgentEvent;

function harness(stored: AgentEvent[]) {
  let publish!: (events: AgentEvent[]) => void;
  const store = { onEvents: (listener: (events: AgentEvent[]) => void) => ((publish = listener), () => {}) } as unknown as Store;
  const hub = new StreamHub(store);
  const frames: any[] = [];
  let closed: { kind: CloseKind; reason: string } | undefined;
  const transport: StreamTransport = {
    sendEvent: (_id, json) => frames.push(JSON.parse(json.toString())),
    sendControl: (f) => frames.push(f),
    batch: (write) => write(),
    buffered: () => 0,
    drained: async () => {},
    gone: () => false,
    close: (kind, reason) => (closed = { kind, reason }),
  };
  const frame = (e: AgentEvent): StoredFrame =>
    ({ position: Number(e.id.slice(4)), id: e.id, session_id: e.session_id, json: Buffer.from(JSON.stringify(e)) });
  // The first replay page is held back until the test lets it go, so live events arrive mid-replay.
  let releaseReplay!: () => void;
  const replayGate = new Promise<void>((r) => (releaseReplay = r));
  let pages = 0;
  const subscription = new Subscription({
    hub,
    transport,
    budget: new StreamBudget(1 << 30),
    turns: new ReplayTurns(),
    visible: () => true,
    replay: async (after, limit) => {
      if (pages++ === 0) await replayGate;
      return [...stored].filter((e) => Number(e.id.slice(4)) > after).slice(0, limit).map(frame);
    },
    maxBufferedBytes: 1 << 20,
    heartbeatMs: 60_000,
    endsAfter: { match: (e) => e.run_id === 'run_x' && e.type === 'run.completed', reason: 'run_ended', detail: 'run run_x has ended' },
  }, null);
  return { subscription, frames, closed: () => closed, publish: (events: AgentEvent[]) => { stored.push(...events); publish(events); }, releaseReplay };
}

describe('a stream that ends after an event', () => {
  it('ending during replay: sends everything up to and with the ending batch, then stream.closed, nothing later', async () => {
    const h = harness([event(1), event(2)]);
    const started = h.subscription.start(null, {});
    h.publish([event(3), event(4, 'run.completed', 'run_x'), event(5)]); // one committed batch: it is the run's end
    h.publish([event(6)]); // after the end: never sent
    h.releaseReplay();
    await started;
    const sent = h.frames.filter((f) => f.seq).map((f) => f.seq);
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(h.frames.at(-1)).toMatchObject({ type: 'stream.closed', reason: 'run_ended', cursor: eventIdFromPosition(5) });
    expect(h.closed()).toEqual({ kind: 'credential_ended', reason: 'run run_x has ended' });
  });

  it('ending while live: the ending batch, then stream.closed', async () => {
    const h = harness([event(1)]);
    h.releaseReplay();
    await h.subscription.start(null, {});
    h.publish([event(2)]);
    h.publish([event(3, 'run.completed', 'run_x')]);
    h.publish([event(4)]);
    expect(h.frames.filter((f) => f.seq).map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(h.frames.at(-1).type).toBe('stream.closed');
  });

  it('endSoon() ends at once when the ending event was not seen (the run ended before the stream subscribed)', async () => {
    const h = harness([event(1)]);
    h.releaseReplay();
    await h.subscription.start(null, {});
    h.subscription.endSoon();
    expect(h.frames.at(-1)).toMatchObject({ type: 'stream.closed', reason: 'run_ended' });
    expect(h.closed()?.kind).toBe('credential_ended');
  });
});
