import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENTCTL_BIN, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { startTestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { waitUntil } from '../support/wait.js';
import { stopLeftRuns } from '../support/supervisors.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command'];

/** A GET whose whole answer is awaited: status, body, and whether the body ended cleanly. */
function get(url: string, headers: Record<string, string> = {}, onData?: (text: string) => void) {
  return new Promise<{ status: number; text: string; complete: boolean }>((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        onData?.(text);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text, complete: false }));
    });
    req.on('error', reject);
  });
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return res.json();
}

describe('stopping agentd', () => {
  let dir: string;
  let procs: AgentdProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-shutdown-'));
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
    procs = [];
    // Supervisors outlive a killed agentd: stop whatever it left before the directory goes.
    await stopLeftRuns(join(dir, 'db.sqlite'));
    rmSync(dir, { recursive: true, force: true });
  });
  // --stop-runs: these tests are about what a stop does to clients; a run left to its supervisor
  // would hold the only worker across the restart (that is issue 19's, tested in reattach.test.ts).
  const start = async (extra: string[] = []) => {
    const p = await startAgentd(['--db', join(dir, 'db.sqlite'), '--max-concurrency', '1', '--stop-runs', ...agentFlags, ...extra]);
    procs.push(p);
    return p;
  };

  it('answers pending long-polls with timed_out: true, and agentctl run wait carries on with the restarted daemon', async () => {
    const first = await start();
    const holder = (await api(first.url, 'POST', '/sessions', {})).session.id;
    await api(first.url, 'POST', `/sessions/${holder}/messages`, { text: 'hold' });
    // The only worker is busy: this run waits in the queue across the restart.
    const other = (await api(first.url, 'POST', '/sessions', {})).session.id;
    const queued = (await api(first.url, 'POST', `/sessions/${other}/messages`, { text: 'echo after the restart' })).run.id;

    const raw = get(`${first.url}/runs/${queued}/wait?timeout_s=600`);
    const ctl = spawn(process.execPath, [AGENTCTL_BIN, '--url', first.url, 'run', 'wait', '--run-id', queued], { env: { PATH: process.env.PATH } });
    let ctlOut = '';
    ctl.stdout.setEncoding('utf8').on('data', (c: string) => (ctlOut += c));
    const ctlExit = new Promise<number | null>((resolve) => ctl.on('close', resolve));
    try {
      await waitUntil('both long-polls are pending', async () => (await api(first.url, 'GET', '/daemon/status')).open_waits === 2);
      expect(await first.stop()).toBe(0);
      const answer = await raw;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ timed_out: true, run: { id: queued, state: 'queued' } });

      // Same port and database, as a service manager restarts it.
      await start(['--port', new URL(first.url).port]);
      expect(await ctlExit).toBe(0);
      expect(ctlOut).toBe('after the restart\n');
    } finally {
      ctl.kill('SIGKILL');
    }
  });

  it('closes WebSockets with 1001 (going away) and ends SSE responses cleanly', async () => {
    const p = await start();
    const session = (await api(p.url, 'POST', '/sessions', {})).session.id;
    const ws = await openWs(`${p.url}/sessions/${session}/stream`);
    await ws.waitFor((f) => f.type === 'stream.opened');
    let sseOpened!: () => void;
    const opened = new Promise<void>((resolve) => (sseOpened = resolve));
    const sse = get(`${p.url}/stream`, { accept: 'text/event-stream' }, (text) => text.includes('stream.opened') && sseOpened());
    await opened;
    expect(await p.stop()).toBe(0);
    expect((await ws.closed).code).toBe(1001);
    const ended = await sse;
    expect(ended.status).toBe(200);
    expect(ended.complete).toBe(true);
  });
});

describe('restarting a daemon in-process', () => {
  it('closes WebSockets with 1012 (service restart)', async () => {
    const d = await startTestDaemon({}, scriptedAgentOptions);
    try {
      const ws = await openWs(`${d.url}/stream`);
      await ws.waitFor((f) => f.type === 'stream.opened');
      await d.restart();
      expect((await ws.closed).code).toBe(1012);
    } finally {
      await d.close();
    }
  });
});
