/**
 * The schema-driven fuzz test: requests generated from every operation of the live /openapi.json
 * against a real agentd (command provider, so runs are cheap). `npm test` sends a few hundred;
 * `npm run fuzz` sends FUZZ_REQUESTS (10,000) and prints the counts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { waitForFile } from '../support/files.js';
import { fuzzOpenApi, operationsOf } from './openapi-fuzz.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const OPERATOR = 'fuzz-operator-token';
const BODY_LIMIT = 16 * 1024;

describe('schema-driven fuzz of every documented operation', () => {
  let d: TestDaemon;
  let releaseFile = '';

  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OPERATOR], bodyLimitBytes: BODY_LIMIT }, scriptedAgentOptions);
  });

  afterAll(async () => {
    // The run holding the live run token ends, so closing does not have to kill it.
    if (releaseFile) writeFileSync(releaseFile, 'go');
    await d?.close();
  });

  it(
    `answers ${REQUESTS} generated requests below 500, each as its operation declares`,
    async () => {
      const api = (method: string, path: string, body?: unknown) => d.api(method, path, { token: OPERATOR, ...(body !== undefined && { body }) });
      const document = (await api('GET', '/openapi.json')).body;

      // Things that exist, so generated requests reach past "not found".
      const session = (await api('POST', '/sessions', { title: 'fuzz' })).body.session;
      const first = (await api('POST', `/sessions/${session.id}/messages`, { text: 'echo seed' })).body.run;
      await api('GET', `/runs/${first.id}/wait?timeout_s=30`);
      const child = (await api('POST', `/sessions/${session.id}/spawn`, { task: 'echo child' })).body;
      await api('GET', `/runs/${child.run.id}/wait?timeout_s=30`);
      const request = (await api('POST', `/runs/${child.run.id}/reply-parent`, { text: 'may I?', request_kind: 'question' })).body.request;
      // A run token whose run has ended, and one whose run stays running until the end.
      const ended = join(d.dir, 'ended.json');
      const endedRun = (await api('POST', `/sessions/${session.id}/messages`, { text: `env-to-file ${ended}` })).body.run;
      const expiredRun = JSON.parse(await waitForFile(ended)).AGENTD_TOKEN as string;
      writeFileSync(`${ended}.release`, 'go');
      await api('GET', `/runs/${endedRun.id}/wait?timeout_s=30`);
      const live = join(d.dir, 'live.json');
      const holder = (await api('POST', '/sessions', { title: 'holder' })).body.session;
      await api('POST', `/sessions/${holder.id}/messages`, { text: `env-to-file ${live}` });
      const runToken = JSON.parse(await waitForFile(live)).AGENTD_TOKEN as string;
      releaseFile = `${live}.release`;
      // A signed-in browser: its session cookie stands in for the token.
      const signedIn = await d.api('POST', '/auth/session', { token: OPERATOR });
      const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
      const cursors = (await api('GET', `/sessions/${session.id}/events`)).body.events.map((e: { id: string }) => e.id) as string[];

      // The run behind the live run token is left out of the samples, so a generated cancel does not end it early.
      const ids = { sessions: [session.id, child.session.id, holder.id], runs: [first.id, child.run.id, endedRun.id], requests: [request.id] };
      const report = await fuzzOpenApi(
        {
          url: d.url,
          document,
          tokens: { operator: OPERATOR, run: runToken, expiredRun, cookie },
          bodyLimitBytes: BODY_LIMIT,
          samples: {
            'sessions/id': fc.constantFrom(...ids.sessions),
            'runs/id': fc.constantFrom(...ids.runs),
            'requests/id': fc.constantFrom(...ids.requests),
            session_id: fc.constantFrom(...ids.sessions),
            sessionId: fc.constantFrom(...ids.sessions),
            request_id: fc.constantFrom(...ids.requests),
            cursor: fc.constantFrom(...cursors),
            'last-event-id': fc.constantFrom(...cursors),
            'Last-Event-ID': fc.constantFrom(...cursors),
            'Idempotency-Key': fc.constantFrom('fuzz-key-1', 'fuzz-key-2'),
            idempotency_key: fc.constantFrom('fuzz-key-1', 'fuzz-key-3'),
            text: fc.constantFrom('echo fuzz', 'lines 3', 'fail 2'),
            prompt: fc.constantFrom('echo fuzz'),
            task: fc.constantFrom('echo fuzz child'),
            provider: fc.constantFrom('command'),
            cwd: fc.constantFrom(d.dir, '/nonexistent/dir'),
            timeout_s: fc.constantFrom(0, 0.05),
          },
          // A long-poll of the schema's full hour would stall the run.
          caps: { timeout_s: 0.1 },
        },
        REQUESTS,
        SEED,
      );

      const top = (counts: Record<string, number>) => Object.entries(counts).sort(([, a], [, b]) => b - a).map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(
        `fuzz: ${report.requests} requests over ${Object.keys(report.byOperation).length} operations; ` +
          `${report.serverErrors} answers ≥ 500; ${report.violations.length} answers not as documented\n` +
          `  by status: ${top(report.byStatus)}\n  by variant: ${top(report.byVariant)}`,
      );
      expect(report.violations).toEqual([]);
      expect(report.serverErrors).toBe(0);
      expect(report.requests).toBeGreaterThanOrEqual(REQUESTS);
      // Every operation of the document was exercised.
      expect(Object.keys(report.byOperation).sort()).toEqual(operationsOf(document).map((op) => op.id).sort());
    },
    120_000 + REQUESTS * 30,
  );
});
