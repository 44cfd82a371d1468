import { describe, expect, it } from 'vitest';
import { eventJson, rememberDataJson } from '../../../src/protocol/event-json.js';
import type { AgentEvent } from '../../../src/protocol/schemas.js';

describe('eventJson', () => {
  const data = { phase: 'completed', item: { id: 'item_0', type: 'text', text: 'quote " and \\ and ünïcode' } };

  it('composed from the stored data text, it is byte-for-byte JSON.stringify of the event', () => {
    const withRun: AgentEvent = { id: 'evt_0000000000000007', session_id: 'ses_1', seq: 3, type: 'run.item', ts: '2026-11-25T00:00:00.000Z', data, run_id: 'run_1' };
    const withoutRun: AgentEvent = { id: 'evt_0000000000000008', session_id: 'ses_1', seq: 4, type: 'session.created', ts: '2026-11-25T00:00:00.000Z', data: null };
    rememberDataJson(withRun, JSON.stringify(withRun.data));
    rememberDataJson(withoutRun, JSON.stringify(withoutRun.data));
    expect(eventJson(withRun)).toBe(JSON.stringify(withRun));
    expect(eventJson(withoutRun)).toBe(JSON.stringify(withoutRun));
  });

  it('without stored text it stringifies, and answers the same text every time', () => {
    const event: AgentEvent = { id: 'evt_0000000000000009', session_id: 'ses_2', seq: 1, type: 'x', ts: 't', data };
    const first = eventJson(event);
    expect(first).toBe(JSON.stringify(event));
    expect(eventJson(event)).toBe(first);
  });
});
