import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { AGENTCTL_BIN, agentctl } from '../support/processes.js';
import { startProcess, type LiveProcess } from '../support/live-process.js';
import { waitUntil } from '../support/wait.js';

const ERASE = '\r\u001b[2K';
const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * `run wait` on a terminal: agentctl runs under a pseudo-terminal made by `script` (util-linux), so
 * its stdout and stderr are TTYs exactly as in a person's shell; `script` copies what the terminal
 * received to our pipe.
 */
describe('agentctl run wait status line', () => {
  let d: TestDaemon;
  let env: Record<string, string | undefined>;
  let dir: string;
  const running: LiveProcess[] = [];
  beforeAll(async () => {
    // One worker: a second run queues behind the first, so the line can show a queue position.
    d = await startTestDaemon({ maxConcurrency: 1 }, scriptedAgentOptions);
    env = { PATH: process.env.PATH, AGENTCTL_URL: d.url, TERM: 'xterm-256color' };
    dir = mkdtempSync(join(tmpdir(), 'agentctl-status-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (text: string) => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create'], env)).stdout.trim();
    return (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', text], env)).stdout.trim();
  };
  /** Until this many clients long-poll GET /runs/:id/wait (the daemon counts them). */
  const waitingClients = (n: number) =>
    waitUntil(`${n} clients waiting on a run`, async () => (await d.api('GET', '/daemon/status')).body.open_waits >= n);
  /** agentctl under a pseudo-terminal. */
  const onTerminal = (args: string[], extraEnv: Record<string, string> = {}) => {
    const command = [process.execPath, AGENTCTL_BIN, ...args].map(quote).join(' ');
    const p = startProcess(['script', '-qfec', command, '/dev/null'], { ...env, ...extraEnv });
    running.push(p);
    return p;
  };

  it('shows state, elapsed time, queue position and the last item, updated in place, then only the result', async () => {
    const holder = await send('hold');
    const release = join(dir, 'release-a');
    const runId = await send(`wait-file ${release}`);
    const p = onTerminal(['run', 'wait', '--run-id', runId]);

    await p.until('a queued status line with the queue position', (out) => /\u001b\[2K\u001b\[33mqueued\u001b\[39m\u001b\[1m \d+s\u001b\[22m · position 1 of 1/.test(out));
    expect((await agentctl(['run', 'cancel', '--run-id', holder], env)).code).toBe(0);
    await p.until('a running status line showing the last item', (out) => /\u001b\[2K\u001b\[36mrunning\u001b\[39m\u001b\[1m \d+s\u001b\[22m\u001b\[2m · waiting\u001b\[22m/.test(out));
    writeFileSync(release, '');
    expect(await p.exited).toBe(0);

    const out = p.stdout();
    // Every redraw starts by erasing the line; the last erase leaves just the final text.
    expect(out.slice(out.lastIndexOf(ERASE) + ERASE.length)).toBe('released\r\n');
  });

  it('NO_COLOR keeps the status line but drops the colour', async () => {
    const release = join(dir, 'release-b');
    const runId = await send(`wait-file ${release}`);
    const p = onTerminal(['run', 'wait', '--run-id', runId], { NO_COLOR: '1' });
    await p.until('a running status line', (out) => /\u001b\[2Krunning \d+s · waiting/.test(out));
    writeFileSync(release, '');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).not.toMatch(/\u001b\[\d+m/);
  });

  it('piped: the result alone, nothing on stderr', async () => {
    const release = join(dir, 'release-c');
    const runId = await send(`wait-file ${release}`);
    const p = startProcess([process.execPath, AGENTCTL_BIN, 'run', 'wait', '--run-id', runId], env);
    running.push(p);
    // It prints nothing until the end; the daemon says when it is waiting.
    await waitingClients(1);
    writeFileSync(release, '');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toBe('released\n');
    expect(p.stderr()).toBe('');
  });

  it('--format json and --field on a terminal print no status line', async () => {
    const release = join(dir, 'release-d');
    const runId = await send(`wait-file ${release}`);
    const json = onTerminal(['--format', 'json', 'run', 'wait', '--run-id', runId]);
    const field = onTerminal(['--field', 'run.final_text', 'run', 'wait', '--run-id', runId]);
    await waitingClients(2);
    writeFileSync(release, '');
    expect(await json.exited).toBe(0);
    expect(await field.exited).toBe(0);
    expect(JSON.parse(json.stdout()).run.final_text).toBe('released');
    expect(field.stdout()).toBe('released\r\n');
    expect(json.stdout() + field.stdout()).not.toContain('\u001b');
  });

  it('a run that already ended prints its result at once', async () => {
    const runId = await send('echo done already');
    await agentctl(['run', 'wait', '--run-id', runId], env);
    const p = onTerminal(['run', 'wait', '--run-id', runId]);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toBe('done already\r\n');
  });
});
