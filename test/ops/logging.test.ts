import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';
import { configFromOptions } from '../../src/config.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { waitUntil } from '../support/wait.js';
import { AGENTD_BIN } from '../support/processes.js';

/** A stdout stand-in that keeps what is written. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

const ANSI = /\u001b\[\d+m/;
const settings = { level: 'info', format: 'auto' as const, file: null, rotateSizeMb: 10, rotateKeep: 5 };

describe('log format', () => {
  it('auto: coloured human lines on a terminal', async () => {
    const out = capture(true);
    const { logger } = await createLogger(settings, out);
    logger.info({ run_id: 'run_1', session_id: 'ses_1' }, 'run started');
    const line = out.text();
    expect(line).toMatch(ANSI);
    expect(line).toContain('INFO');
    expect(line).toContain('run started');
    expect(line).toContain('run_1');
    expect(() => JSON.parse(line)).toThrow();
  });

  it('auto: one JSON object per line when stdout is not a terminal', async () => {
    const out = capture(false);
    const { logger } = await createLogger(settings, out);
    logger.warn({ run_id: 'run_1', session_id: 'ses_1' }, 'run ended');
    const line = JSON.parse(out.text());
    expect(line).toMatchObject({ level: 40, msg: 'run ended', run_id: 'run_1', session_id: 'ses_1', service: 'agentd' });
    expect(out.text()).not.toMatch(ANSI);
  });

  it('--log-format forces either form', async () => {
    const pretty = capture(false);
    (await createLogger({ ...settings, format: 'pretty' }, pretty)).logger.info('hello');
    expect(pretty.text()).toMatch(ANSI);
    const json = capture(true);
    (await createLogger({ ...settings, format: 'json' }, json)).logger.info('hello');
    expect(JSON.parse(json.text()).msg).toBe('hello');
  });

  it('an unknown format is a configuration error', () => {
    expect(() => configFromOptions({ logFormat: 'xml' }, {}, '/')).toThrow(/unknown log format "xml"/);
  });
});

describe('--log-file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes JSON lines to the file, rotates at the size and keeps only the newest files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-logs-'));
    const file = join(dir, 'agentd.log');
    const logs = await createLogger({ ...settings, format: 'pretty', file, rotateSizeMb: 1, rotateKeep: 2 });
    const filler = 'x'.repeat(1000);
    const logFiles = () => readdirSync(dir!).filter((f) => f.endsWith('.log') && f !== 'current.log').sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    // Five times just over 1 MB: each one rotates (rotation happens between writes, as it does
    // for a daemon that logs over time); only the active file and 2 rotated ones remain.
    let i = 0;
    for (let round = 1; round <= 5; round++) {
      for (const end = i + 1050; i < end; i++) logs.logger.info({ i, filler }, 'line');
      await waitUntil(`log file number ${round + 1} is active`, () => logFiles().at(-1) === `agentd.${round + 1}.log`);
    }
    logs.logger.info({ i }, 'line');
    await waitUntil('only three log files remain', () => logFiles().length === 3);
    logs.close();
    const files = logFiles();
    expect(files).toEqual(['agentd.4.log', 'agentd.5.log', 'agentd.6.log']);
    expect(files.at(-1)).toMatch(/^agentd\.\d+\.log$/);
    // Newest file holds the last line, as JSON even though the format asked for pretty (files are for machines).
    const last = readFileSync(join(dir, files.at(-1)!), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(last).i).toBe(5250);
    // The symlink points at the active file.
    expect(readFileSync(join(dir, 'current.log'), 'utf8')).toBe(readFileSync(join(dir, files.at(-1)!), 'utf8'));
  });
});

describe('lines about a run', () => {
  let daemon: Daemon | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carry run_id and session_id, from start to end, also when the run fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-runlog-'));
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const config = { ...configFromOptions({ port: 0, db: join(dir, 'db.sqlite'), ...scriptedAgentOptions }, { PATH: process.env.PATH }, dir) };
    daemon = await startDaemon(config, pino({ level: 'info' }, sink));
    const post = async (path: string, body: unknown) => (await fetch(daemon!.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
    const { session } = await post('/sessions', {});
    const ok = (await post(`/sessions/${session.id}/messages`, { text: 'echo hi' })).run;
    const bad = (await post(`/sessions/${session.id}/messages`, { text: 'fail 3' })).run;
    for (const run of [ok, bad]) await fetch(`${daemon.url}/runs/${run.id}/wait?timeout_s=20`);
    const about = (runId: string) => lines.filter((l) => l.run_id === runId);
    expect(about(ok.id).map((l) => l.msg)).toEqual(['run started', 'run ended']);
    expect(about(bad.id).map((l) => [l.msg, l.level])).toEqual([['run started', 30], ['run ended', 40]]);
    expect(about(bad.id)[1]).toMatchObject({ state: 'failed', exit_code: 3 });
    // No line names a run without its session.
    for (const line of lines.filter((l) => 'run_id' in l)) expect(line.session_id, JSON.stringify(line)).toBe(session.id);
  });
});

describe('agentd --log-file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('sends every line to the rotated file and nothing to stdout', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-logfile-'));
    const logDir = join(dir, 'logs');
    const child = spawn(process.execPath, [AGENTD_BIN, '--port', '0', '--db', join(dir, 'db.sqlite'), '--log-file', join(logDir, 'agentd.log')], {
      env: { PATH: process.env.PATH } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const current = join(logDir, 'current.log');
      await waitUntil('agentd logs that it listens, in its log file', () => existsSync(current) && readFileSync(current, 'utf8').includes('"msg":"agentd listening"'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = readFileSync(current, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toContain('agentd stopping');
      expect(readdirSync(logDir).filter((f) => f !== 'current.log')).toEqual(['agentd.1.log']);
      expect(stdout).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
