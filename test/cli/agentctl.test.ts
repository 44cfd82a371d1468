import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { agentctl } from '../support/processes.js';

describe('agentctl against a running daemon', () => {
  let d: TestDaemon;
  let env: Record<string, string>;
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: ['cli-token'] }, scriptedAgentOptions);
    env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: 'cli-token' };
  });
  afterAll(() => d.close());

  it('--field session.id session create prints the bare id', async () => {
    const r = await agentctl(['--field', 'session.id', 'session', 'create'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ses_[0-9a-z]{26}\n$/);
    expect((await d.api('GET', `/sessions/${r.stdout.trim()}`, { token: 'cli-token' })).status).toBe(200);
  });

  it('--format json prints compact JSON of the response', async () => {
    const r = await agentctl(['--format', 'json', 'session', 'create', '--title', 'json one'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const body = JSON.parse(r.stdout);
    expect(body.session.title).toBe('json one');
  });

  it('message send → run wait prints the final text; events list shows the turn', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    const runId = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'echo hi'], env)).stdout.trim();
    expect(runId).toMatch(/^run_/);
    const wait = await agentctl(['run', 'wait', '--run-id', runId], env);
    expect(wait.code).toBe(0);
    expect(wait.stdout).toBe('hi\n');
    const events = await agentctl(['events', 'list', '--session-id', session], env);
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(/message\.created.*user: echo hi/);
    expect(events.stdout).toMatch(/run\.completed/);
    const json = JSON.parse((await agentctl(['--format', 'json', 'events', 'list', '--session-id', session, '--limit', '2'], env)).stdout);
    expect(json.events.map((e: any) => e.seq)).toEqual([1, 2]);
    expect(json.has_more).toBe(true);
    const rest = JSON.parse((await agentctl(['--format', 'json', 'events', 'list', '--session-id', session, '--cursor', json.next_cursor], env)).stdout);
    expect(rest.events[0].seq).toBe(3);
  });

  it('message send --idempotency-key replays the first answer', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    const args = ['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'echo once', '--idempotency-key', 'cli-key'];
    const a = await agentctl(args, env);
    const b = await agentctl(args, env);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('run wait exits non-zero when the run did not complete', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    const runId = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'fail 3'], env)).stdout.trim();
    const wait = await agentctl(['run', 'wait', '--run-id', runId], env);
    expect(wait.code).toBe(1);
    expect(wait.stdout).toMatch(/failed: process exited with code 3: scripted failure/);
    const state = await agentctl(['--field', 'run.state', 'run', 'get', '--run-id', runId], env);
    expect(state.stdout).toBe('failed\n');
  });

  it('run cancel, transition and diagnose; --field reaches nested diagnostics', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    const holder = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'hold'], env)).stdout.trim();
    const queued = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', 'echo later'], env)).stdout.trim();
    const position = await agentctl(['--field', 'diagnostics.queue_position', 'run', 'diagnose', '--run-id', queued], env);
    expect(position.code).toBe(0);
    expect(Number(position.stdout)).toBeGreaterThanOrEqual(1);
    const issue = await agentctl(['--field', 'diagnostics.likely_issue', 'run', 'diagnose', '--run-id', queued], env);
    expect(issue.stdout).toContain(`queued behind the session's own run ${holder}`);
    const illegal = await agentctl(['run', 'transition', '--run-id', queued, '--state', 'completed'], env);
    expect(illegal.code).toBe(1);
    expect(illegal.stderr).toContain('invalid_transition');
    const cancelled = await agentctl(['run', 'cancel', '--run-id', queued], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toBe(`run ${queued} cancelled\n`);
    expect((await agentctl(['run', 'cancel', '--run-id', holder], env)).code).toBe(0);
  });

  it('daemon status: human by default, --field for seed fields', async () => {
    const human = await agentctl(['daemon', 'status'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/workers\s+\d+\/4 busy/);
    expect((await agentctl(['--field', 'alive_workers', 'daemon', 'status'], env)).stdout).toBe('4\n');
    expect((await agentctl(['--field', 'queue_counts.queued_count', 'daemon', 'status'], env)).stdout).toMatch(/^\d+\n$/);
    expect((await agentctl(['--field', 'codex_invocation', 'daemon', 'status'], env)).stdout).toBe('{"profile":null,"extra_args":[]}\n');
  });

  it('session list and get', async () => {
    const id = (await agentctl(['--field', 'session.id', 'session', 'create', '--title', 'listed'], env)).stdout.trim();
    const list = await agentctl(['session', 'list'], env);
    expect(list.stdout).toContain(id);
    const get = await agentctl(['--field', 'session.title', 'session', 'get', '--session-id', id], env);
    expect(get.stdout).toBe('listed\n');
  });

  it('API errors exit 1 with the problem code on stderr', async () => {
    const r = await agentctl(['run', 'get', '--run-id', 'run_missing'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/run_not_found/);
    const unauth = await agentctl(['daemon', 'status'], { AGENTCTL_URL: d.url });
    expect(unauth.code).toBe(1);
    expect(unauth.stderr).toMatch(/unauthorized/);
    // An id pasted wrong (here an error message) is named, not reported as "undefined".
    const pasted = await agentctl(['events', 'list', '--session-id', 'agentctl: unknown_provider: provider "command" is not available; choose one of: codex, claude (HTTP 422)'], env);
    expect(pasted.code).toBe(1);
    expect(pasted.stderr).toMatch(/^agentctl: validation_failed: .+ \(HTTP 400\)\n$/);
  });

  it('usage errors exit 2; help exits 0', async () => {
    expect((await agentctl(['run', 'get'], env)).code).toBe(2);
    expect((await agentctl(['bogus'], env)).code).toBe(2);
    expect((await agentctl(['--format', 'yaml', 'daemon', 'status'], env)).code).toBe(2);
    expect((await agentctl(['--help'], env)).code).toBe(0);
  });

  it('a malformed --url or token is a usage error (exit 2) with a clear line, no stack trace', async () => {
    for (const [args, extraEnv, named] of [
      [['--url', 'not a url'], {}, /agentd URL "not a url" is not a URL \(--url;/],
      [['--url', 'ftp://127.0.0.1:8765'], {}, /agentd URL "ftp:\/\/127\.0\.0\.1:8765" is not an http:\/\/ or https:\/\/ URL \(--url;/],
      [[], { AGENTCTL_URL: '127.0.0.1:8765' }, /agentd URL "127\.0\.0\.1:8765" is not a URL \(AGENTCTL_URL;/],
      [['--url', d.url, '--auth-token', 'two words'], {}, /--auth-token holds characters a token cannot have/],
      [['--url', d.url], { AGENTCTL_AUTH_TOKEN: 'line\nbreak' }, /AGENTCTL_AUTH_TOKEN holds characters/],
      [['--url', d.url], { AGENTD_TOKEN: 'tökén' }, /AGENTD_TOKEN holds characters/],
    ] as [string[], Record<string, string>, RegExp][]) {
      const r = await agentctl([...args, 'daemon', 'status'], extraEnv);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^agentctl: usage_error: .+\n$/);
      expect(r.stderr).toMatch(named);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    // The secret is never echoed.
    expect((await agentctl(['--url', d.url, '--auth-token', 'sec ret', 'daemon', 'status'])).stderr).not.toContain('sec ret');
  });

  it('message list follows the pages: every message of a long session, in order', async () => {
    const sessionId = (await d.api('POST', '/sessions', { token: 'cli-token', body: {} })).body.session.id;
    const texts = Array.from({ length: 1203 }, (_, i) => `m${i}`);
    for (const text of texts) await d.daemon.store.postMessage({ session_id: sessionId, role: 'system', text });
    const json = await agentctl(['--format', 'json', 'message', 'list', '--session-id', sessionId], env);
    expect(json.code).toBe(0);
    const messages = JSON.parse(json.stdout).messages;
    expect(messages.map((m: any) => m.text)).toEqual(texts);
    const after = await agentctl(['message', 'list', '--session-id', sessionId, '--cursor', messages[1200].id], env);
    expect(after.stdout.trim().split('\n').map((line) => line.split(/\s+/).pop())).toEqual(['m1201', 'm1202']);
  });

  it('a missing --field is an error, not an empty line', async () => {
    const r = await agentctl(['--field', 'session.nope', 'session', 'create'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('field_not_found');
  });

  it('falls back to AGENTD_URL and AGENTD_TOKEN, and --url/--auth-token beat the environment', async () => {
    const viaAgentd = await agentctl(['--field', 'status', 'daemon', 'status'], { AGENTD_URL: d.url, AGENTD_TOKEN: 'cli-token' });
    expect(viaAgentd.stdout).toBe('ok\n');
    const flags = await agentctl(['--url', d.url, '--auth-token', 'cli-token', '--field', 'status', 'daemon', 'status'], { AGENTCTL_URL: 'http://127.0.0.1:1', AGENTCTL_AUTH_TOKEN: 'wrong' });
    expect(flags.stdout).toBe('ok\n');
  });

  it('an unreachable daemon is a clear error', async () => {
    const r = await agentctl(['daemon', 'status'], { AGENTCTL_URL: 'http://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('daemon_unreachable');
  });
});
