import { randomBytes } from 'node:crypto';

// Crockford base32: sortable as plain strings, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

let lastMs = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * A ULID-like id: 10 chars of millisecond time then 16 random chars, monotonic within one
 * millisecond (the random part is incremented) so ids made by this process always sort in
 * creation order — `ORDER BY id` is creation order.
 */
export function newId(prefix: 'ses' | 'msg' | 'run' | 'req' | 'tkt' | 'http' | 'whk' | 'ntf' | 'dlv' | 'psh'): string {
  const now = Date.now();
  if (now === lastMs) {
    for (let i = lastRandom.length - 1; i >= 0; i--) {
      if (lastRandom[i]! < 31) {
        lastRandom[i]!++;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastMs = now;
    const bytes = randomBytes(16);
    // Leave headroom in the top digit so increments within one ms never wrap.
    lastRandom = Array.from(bytes, (b, i) => (i === 0 ? b % 16 : b % 32));
  }
  return `${prefix}_${encodeTime(now)}${lastRandom.map((d) => ALPHABET[d]).join('')}`;
}

/**
 * Event ids double as cursors. They encode the event's position in the global log, so a cursor
 * resolves with an integer comparison and stays valid across restarts. Clients treat it as opaque.
 */
export function eventIdFromPosition(position: number): string {
  return `evt_${position.toString(10).padStart(16, '0')}`;
}

const EVENT_ID = /^evt_\d{16}$/;

export function positionFromEventId(id: string): number | undefined {
  // test() + slice rather than exec(): this runs once per event per stream, and exec allocates.
  if (!EVENT_ID.test(id)) return undefined;
  const position = Number(id.slice(4));
  return Number.isSafeInteger(position) ? position : undefined;
}
