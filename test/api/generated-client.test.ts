/**
 * A client generated from the live /openapi.json, the way a third party would make one:
 * openapi-typescript writes the types, tsc checks a small program written against them with
 * openapi-fetch (valid calls compile, invalid ones do not), and the program then drives a real
 * agentd: create a session, post a message, wait for the run, read the events.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';

const TOKEN = 'generated-client-token';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The program a client author would write; every access goes through the generated types. */
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './agentd.js';

type AgentEvent = components['schemas']['Event'];

/** What the test reads back; each value came through a generated type. */
export interface Outcome {
  sessionTitle: string | null;
  replayedStatus: number;
  runState: components['schemas']['RunState'];
  timedOut: boolean;
  eventTypes: AgentEvent['type'][];
  printed: string[];
  completedFrom: string | null;
  missingStatus: number;
  missingCode: string | undefined;
  sessionsListed: number;
}

export async function drive(baseUrl: string, token: string): Promise<Outcome> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${token}\` } });

  const created = await client.POST('/sessions', {
    params: { header: { 'Idempotency-Key': 'generated-1' } },
    body: { title: 'from a generated client' },
  });
  if (!created.data) throw new Error(\`create failed: \${created.error?.code}\`);
  const session = created.data.session;
  // A retry with the same key is answered like the first request: 201, the same session.
  const replay = await client.POST('/sessions', { params: { header: { 'Idempotency-Key': 'generated-1' } }, body: { title: 'from a generated client' } });
  if (replay.data?.session.id !== session.id) throw new Error('the replay answered another session');

  const posted = await client.POST('/sessions/{id}/messages', {
    params: { path: { id: session.id } },
    body: { text: 'echo hello through generated types' },
  });
  if (!posted.data?.run) throw new Error(\`post failed: \${posted.error?.code}\`);

  const waited = await client.GET('/runs/{id}/wait', { params: { path: { id: posted.data.run.id }, query: { timeout_s: 30 } } });
  if (!waited.data) throw new Error(\`wait failed: \${waited.error?.code}\`);

  const page = await client.GET('/sessions/{id}/events', { params: { path: { id: session.id } } });
  if (!page.data) throw new Error(\`events failed: \${page.error?.code}\`);
  const printed: string[] = [];
  let completedFrom: string | null = null;
  for (const event of page.data.events) {
    // The union narrows by type: data is typed per event.
    switch (event.type) {
      case 'run.item':
        printed.push(String(event.data.item.text));
        break;
      case 'run.completed':
        completedFrom = event.data.from;
        break;
    }
  }

  const missing = await client.GET('/sessions/{id}', { params: { path: { id: 'ses_not_there' } } });
  // Optional body and defaulted query parameters may be left out.
  await client.POST('/sessions', {});
  const listed = await client.GET('/sessions');

  return {
    sessionTitle: session.title,
    replayedStatus: replay.response.status,
    runState: waited.data.run.state,
    timedOut: waited.data.timed_out,
    eventTypes: page.data.events.map((event) => event.type),
    printed,
    completedFrom,
    missingStatus: missing.response.status,
    missingCode: missing.error?.code,
    sessionsListed: listed.data?.sessions.length ?? -1,
  };
}

/** Calls the generated types must refuse. */
export function refused(client: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error a message needs text
  void client.POST('/sessions/{id}/messages', { params: { path: { id: 'x' } }, body: {} });
  // @ts-expect-error limit is a number
  void client.GET('/sessions', { params: { query: { limit: 'many' } } });
  // @ts-expect-error no such route
  void client.GET('/sessionz');
  // @ts-expect-error no such run state
  void client.POST('/runs/{id}/transition', { params: { path: { id: 'x' } }, body: { state: 'exploded' } });
  void (async () => {
    const { error } = await client.GET('/sessions/{id}', { params: { path: { id: 'x' } } });
    // @ts-expect-error a 404 of this operation carries only session_not_found
    if (error?.status === 404 && error.code === 'run_not_found') return;
  });
}

const [url, token] = process.argv.slice(2);
if (url && token) console.log(JSON.stringify(await drive(url, token)));
`;

describe('a client generated from /openapi.json', () => {
  let d: TestDaemon;
  let dir = '';

  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [TOKEN] }, scriptedAgentOptions);
    dir = mkdtempSync(join(tmpdir(), 'agentd-generated-client-'));
    // The program resolves openapi-fetch (and tsc its types) from the project's node_modules.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await d?.close();
  });

  it('compiles valid calls, refuses invalid ones, and runs a session end to end', async () => {
    const document = (await d.api('GET', '/openapi.json', { token: TOKEN })).body;
    writeFileSync(join(dir, 'agentd.ts'), astToString(await openapiTS(document, { silent: true })));
    writeFileSync(join(dir, 'client.ts'), PROGRAM);

    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      outDir: dir,
    });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((diagnostic) =>
      ts.formatDiagnostic(diagnostic, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' }),
    );
    expect(diagnostics).toEqual([]);

    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'client.js'), d.url, TOKEN], { cwd: dir });
    const outcome = JSON.parse(stdout);
    expect(outcome).toMatchObject({
      sessionTitle: 'from a generated client',
      replayedStatus: 201,
      runState: 'completed',
      timedOut: false,
      printed: ['hello through generated types'],
      completedFrom: 'running',
      missingStatus: 404,
      missingCode: 'session_not_found',
    });
    expect(outcome.eventTypes).toEqual(expect.arrayContaining(['session.created', 'message.created', 'run.queued', 'run.running', 'run.process', 'run.item', 'run.completed']));
    expect(outcome.sessionsListed).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
