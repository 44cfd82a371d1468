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

/** Same text as `JSON.stringify(event)`. */
export function eventJson(event: AgentEvent): string {
  let json = wireJson.get(event);
  if (json !== undefined) return json;
  const data = dataJson.get(event);
  if (data === undefined) {
    json = JSON.stringify(event);
  } else {
    // Field order as AgentEvent objects are built (see the store), so both paths agree.
    json = `{"id":${JSON.stringify(event.id)},"session_id":${JSON.stringify(event.session_id)},"seq":${event.seq},"type":${JSON.stringify(event.type)},"ts":${JSON.stringify(event.ts)},"data":${data}${event.run_id === undefined ? '' : `,"run_id":${JSON.stringify(event.run_id)}`}}`;
    dataJson.delete(event);
  }
  wireJson.set(event, json);
  return json;
}
