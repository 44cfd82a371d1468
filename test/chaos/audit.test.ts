/**
 * The chaos audit counts what it claims to: a harness that cannot see a lost message or a stream
 * gap would report 0 for ever. Fed small logs and recordings with one fault each.
 */
import { describe, expect, it } from 'vitest';
import { auditRuns, auditStreams } from '../../bench/chaos/audit.js';
import type { Follower } from '../../bench/chaos/followers.js';
import type { Acknowledged } from '../../bench/chaos/senders.js';
import type { StreamEvent } from '../../bench/support/stream-watch.js';

const S = 'ses_a';
let position = 0;
const event = (seq: number, type: string, data: any = {}, run_id: string | null = null): StreamEvent =>
  ({ id: `evt_${String(++position).padStart(16, '0')}`, session_id: S, seq, type, run_id, data });

/** A session log: one message with its run, which ends in `end`. */
function log(end: 'completed' | 'running' = 'completed', extraRuns: string[] = []): StreamEvent[] {
  const run = (id: string, state: string) => ({ run: { id, state, prompt: 'k1' } });
  const events = [
    event(1, 'session.created'),
    event(2, 'message.created', { message: { id: 'msg_1' } }),
    event(3, 'run.queued', run('run_1', 'queued'), 'run_1'),
    event(4, 'run.running', run('run_1', 'running'), 'run_1'),
  ];
  if (end === 'completed') events.push(event(5, 'run.completed', run('run_1', 'completed'), 'run_1'));
  for (const id of extraRuns) events.push(event(events.length + 1, 'run.queued', run(id, 'queued'), id), event(events.length + 2, 'run.failed', run(id, 'failed'), id));
  return events;
}

const ack: Acknowledged = { key: 'k1', sessionId: S, messageId: 'msg_1', runId: 'run_1', attempts: 1, lastAttemptAt: 0 };
const follower = (received: StreamEvent[]): Follower =>
  ({ name: 'ws ses_a', transport: 'ws', sessionId: S, received, reconnects: 0, overflows: 0, errors: [], done: Promise.resolve() });

describe('chaos audit', () => {
  it('counts nothing when the log holds every acknowledged message, one run per key, all ended', () => {
    expect(auditRuns([ack], new Map([[S, log()]]))).toMatchObject({ runs: 1, lost: 0, duplicateRuns: 0, stuck: 0 });
  });

  it('counts an acknowledged message that is not stored as lost', () => {
    expect(auditRuns([{ ...ack, messageId: 'msg_gone', runId: 'run_gone' }], new Map([[S, log()]])).lost).toBe(1);
  });

  it('counts a second run for one key as a duplicate', () => {
    expect(auditRuns([ack], new Map([[S, log('completed', ['run_2'])]])).duplicateRuns).toBe(1);
  });

  it('counts a run whose last state is not terminal as stuck', () => {
    expect(auditRuns([ack], new Map([[S, log('running')]])).stuck).toBe(1);
  });

  it('counts a cancel answered with an end state the run does not keep', () => {
    expect(auditRuns([ack], new Map([[S, log()]]), [{ runId: 'run_1', state: 'completed' }]).cancelsNotKept).toBe(0);
    expect(auditRuns([ack], new Map([[S, log()]]), [{ runId: 'run_1', state: 'cancelled' }]).cancelsNotKept).toBe(1);
  });

  it('counts stream gaps, duplicates and foreign events per follower', () => {
    const stored = log();
    const logs = new Map([[S, stored]]);
    expect(auditStreams([follower(stored)], logs)).toMatchObject({ gaps: 0, duplicates: 0, mismatches: 0 });
    const [e1, e2, e3, e4, e5] = stored as [StreamEvent, StreamEvent, StreamEvent, StreamEvent, StreamEvent];
    expect(auditStreams([follower([e1, e2, e4, e5])], logs)).toMatchObject({ gaps: 1, duplicates: 0 });
    expect(auditStreams([follower([e1, e2, e3, e3, e4, e5])], logs)).toMatchObject({ gaps: 0, duplicates: 1 });
    expect(auditStreams([follower([e1, e2, e3, e4, { ...e5, id: 'evt_9999999999999999' }])], logs)).toMatchObject({ gaps: 1, mismatches: 1 });
  });
});
