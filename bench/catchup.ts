/**
 * catchup: how fast a client that was away catches up — replaying many stored events by cursor
 * over HTTP pages and over a WebSocket stream — against a raw SELECT of the same rows.
 */
import { join } from 'node:path';
import WebSocket from 'ws';
import { openDatabase } from '../src/store/sqlite/open.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../src/store/store.js';
import type { BenchRow, Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { nowMs } from './support/stats.js';

const GOAL = 200_000;
const BATCH = 1_000;

/** A session with `count` run.item events of a realistic size, written straight to the store. */
async function seed(path: string, count: number): Promise<string> {
  const store = new SqliteStore(path);
  try {
    const session = await store.createSession({ title: 'catchup', provider: 'command', cwd: '/', owner: 'local' });
    for (let i = 0; i < count; i += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, count - i) }, (_, j): NewEvent => ({
        type: 'run.item',
        data: { phase: 'completed', item: { id: `item_${i + j}`, type: 'command_execution', command: 'bash -lc "ls -la src"', aggregated_output: `line ${i + j}: output an agent produced while working`, exit_code: 0 } },
      }));
      await store.appendEvents(session.id, null, events);
    }
    return session.id;
  } finally {
    await store.close();
  }
}

function rawSelect(path: string, sessionId: string): { rows: number; perSecond: number } {
  const db = openDatabase(path);
  try {
    const start = nowMs();
    const rows = db.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY position').all(sessionId).length;
    return { rows, perSecond: rows / ((nowMs() - start) / 1000) };
  } finally {
    db.close();
  }
}

async function overHttp(baseUrl: string, sessionId: string): Promise<number> {
  const api = jsonClient(baseUrl);
  try {
    let cursor = '';
    let count = 0;
    for (;;) {
      const page = await api.get(`/sessions/${sessionId}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      count += page.events.length;
      if (!page.has_more) return count;
      cursor = page.next_cursor;
    }
  } finally {
    api.close();
  }
}

/** Opens the stream with no cursor and counts event frames until `expected` arrived. */
function overWebSocket(baseUrl: string, sessionId: string, expected: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/sessions/${sessionId}/stream`, { perMessageDeflate: false });
    let count = 0;
    socket.on('message', (data) => {
      // Control frames have no id; events do. Parsing is the client's share of the work.
      if ((JSON.parse(String(data)) as { id?: string }).id === undefined) return;
      if (++count === expected) {
        socket.terminate();
        resolve(count);
      }
    });
    socket.once('error', reject);
    socket.once('close', () => count < expected && reject(new Error(`stream closed after ${count} of ${expected} events`)));
  });
}

export const benchmark: Benchmark = {
  name: 'catchup',
  description: 'events/s replaying a stored session by cursor over HTTP and WebSocket, vs a raw SELECT',
  sizes: {
    events: { default: 100_000, quick: 2_000, description: 'stored events to replay' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('catchup');
    const db = join(dir.path, 'agentd.db');
    try {
      const sessionId = await seed(db, sizes.events!);
      const expected = sizes.events! + 1; // and session.created
      const raw = rawSelect(db, sessionId);
      if (raw.rows !== expected) throw new Error(`raw SELECT read ${raw.rows} rows, expected ${expected}`);
      const daemon = await startAgentd(['--db', db]);
      let http: number;
      let ws: number;
      try {
        let start = nowMs();
        const read = await overHttp(daemon.url, sessionId);
        if (read !== expected) throw new Error(`HTTP replay read ${read} events, expected ${expected}`);
        http = expected / ((nowMs() - start) / 1000);
        start = nowMs();
        await overWebSocket(daemon.url, sessionId, expected);
        ws = expected / ((nowMs() - start) / 1000);
      } finally {
        await daemon.stop();
      }
      log(`${expected} events: HTTP ${http.toFixed(0)}/s, WebSocket ${ws.toFixed(0)}/s, raw SELECT ${raw.perSecond.toFixed(0)}/s`);
      const row = (measure: string, project: number): BenchRow => ({ measure, project, raw: raw.perSecond, unit: 'events/s', ratio: project / raw.perSecond, goal: '≥ 200k/s', pass: project >= GOAL });
      return [row('replay over HTTP pages', http), row('replay over WebSocket', ws)];
    } finally {
      dir.remove();
    }
  },
};
