import type { AgentEvent } from './schemas.js';

/**
 * The wire JSON of an event, made once however many streams send it. The store hands over the
 * data's JSON it already made for the row, so a broadcast never stringifies the payload again:
 * at ingest rates the second stringify was a sixth of the daemon's time.
 */
const dataJson = new WeakMap<AgentEvent, string>();
const wireJson = new WeakMap<AgentEvent, string>();

/** Called by the store with the exact text it stored as the event's `data`. */
export function rememberDataJson(event: AgentEvent, json: string): void {
  dataJson.set(event, json);
}

/** An event's fields but its data, which comes as the JSON text it is stored as. */
export interface EventHead {
  id: string;
  session_id: string;
  seq: number;
  type: string;
  ts: string;
  run_id?: string | null | undefined;
}

/**
 * The wire JSON of an event from its fields and its data's JSON text — the same text as
 * `JSON.stringify(event)`, in the field order AgentEvent objects are built in (see the store).
 */
export function wireEventJson(head: EventHead, data: string): string {
  const runId = head.run_id === undefined || head.run_id === null ? '' : `,"run_id":${JSON.stringify(head.run_id)}`;
  return `{"id":${JSON.stringify(head.id)},"session_id":${JSON.stringify(head.session_id)},"seq":${head.seq},"type":${JSON.stringify(head.type)},"ts":${JSON.stringify(head.ts)},"data":${data}${runId}}`;
}

/** Same text as `JSON.stringify(event)`. */
export function eventJson(event: AgentEvent): string {
  let json = wireJson.get(event);
  if (json !== undefined) return json;
  const data = dataJson.get(event);
  if (data === undefined) {
    json = JSON.stringify(event);
  } else {
    json = wireEventJson(event, data);
    dataJson.delete(event);
  }
  wireJson.set(event, json);
  return json;
}

/**
 * A stored event as streams send it: its wire JSON built straight from the row, with nothing
 * parsed — a catch-up replays each event to one client only, so nothing is worth caching either.
 */
export interface StoredFrame {
  /** Position in the global log (the event id's number). */
  position: number;
  id: string;
  session_id: string;
  /** The event's JSON as UTF-8 bytes. */
  json: Buffer;
}
