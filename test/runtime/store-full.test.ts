import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { waitUntil } from '../support/wait.js';

/**
 * A full disk, made deterministic: SQLite's max_page_count on the daemon's own connection caps the
 * database a little above its size, so the next large write fails with SQLITE_FULL exactly as a
 * full disk does; raising it is the space coming back.
 */
describe('the store cannot write during a run', () => {
  let d: TestDaemon;
  const logs: any[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    d = await startTestDaemon({}, scriptedAgentOptions, pino({ level: 'info' }, sink));
  });
  afterAll(() => d.close());

  it('fails that run with a clear event once it can write again, frees the session for its next run, keeps serving, and retries nothing unseen', async () => {
    const db = (d.daemon.store as SqliteStore).db;
    const go = join(d.dir, 'go');
    const session = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    const stream = await openWs(`${d.url}/sessions/${session}/stream`);
    const flood = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: `flood-after ${go} 200000` } })).body.run.id;
    const next = (await d.api('POST', `/sessions/${session}/messages`, { body: { text: 'echo after the disk came back' } })).body.run.id;
    await stream.waitFor((f) => f.type === 'run.item' && f.data.item.text === 'waiting');

    // The disk is full: no page may be added, and the log's last page is filled up, so the next
    // event written anywhere fails — the run's output, and then the record of its end.
    const scratch = (await d.api('POST', '/sessions', { body: {} })).body.session.id;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    for (;;) {
      try {
        await d.daemon.store.appendEvents(scratch, null, [{ type: 'session.thread', data: { provider: 'fill', thread_id: 'fill' } }]);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('storage_full');
        break;
      }
    }
    writeFileSync(go, '');
    await waitUntil('the daemon reports the end it cannot write', () => logs.find((l) => /cannot write the end of a run/.test(l.msg)));

    // The run is over but cannot be recorded as such; the daemon still answers.
    expect((await d.api('GET', `/runs/${flood}`)).body.run.state).toBe('running');
    expect((await d.api('GET', '/daemon/status')).status).toBe(200);
    const diagnosis = (await d.api('GET', `/runs/${flood}/diagnose`)).body.diagnostics;
    expect(diagnosis.likely_issue).toMatch(/store could not write its end/);
    expect(diagnosis.worker_alive).toBe(false);
    const refused = await d.api('POST', '/sessions', { body: {} });
    expect(refused.status).toBe(507);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'storage_full' });
    expect(refused.body.detail).toMatch(/nothing was written/);

    // Space comes back.
    db.pragma('max_page_count = 1073741823');
    const waited = await d.api('GET', `/runs/${next}/wait?timeout_s=60`);
    expect(waited.body.run).toMatchObject({ state: 'completed', final_text: 'after the disk came back' });
    const failed = (await d.api('GET', `/runs/${flood}`)).body.run;
    expect(failed).toMatchObject({ state: 'failed', attempt: 1 });
    expect(failed.error).toMatch(/could not record the run's output.*the run was stopped/);
    const event = await stream.waitFor((f) => f.type === 'run.failed' && f.run_id === flood);
    expect(event.data.reason).toBe(failed.error);
    stream.close();

    expect(logs.some((l) => /cannot store the output of a run; stopping it/.test(l.msg))).toBe(true);
    expect(logs.some((l) => /wrote the end of a run once the store could write again/.test(l.msg))).toBe(true);
    expect(logs.filter((l) => l.msg === 'unhandled error')).toEqual([]);
  });
});
