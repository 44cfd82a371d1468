import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { agentctl } from '../support/processes.js';
import { checkDatabase } from '../../src/doctor/database.js';
import { checkClockSync, checkExposure } from '../../src/doctor/host.js';
import { clockSkew } from '../../src/doctor/client.js';
import { VERSION } from '../../src/paths.js';

const BIN = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const OP = 'op-token-0123456789abcdef';

/** A healthy setup: the pinned CLIs, codex on a local model provider, claude with an API key. */
function healthyEnv(dir: string): NodeJS.ProcessEnv {
  const codexHome = join(dir, 'codex-home');
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(join(codexHome, 'config.toml'), 'model = "m"\nmodel_provider = "local"\n[model_providers.local]\nname = "local"\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "responses"\nenv_key = "LOCAL_KEY"\n');
  return { PATH: process.env.PATH, HOME: dir, CODEX_HOME: codexHome, ANTHROPIC_API_KEY: 'test-key' };
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const doctor = async (args: string[], env: Record<string, string | undefined>) => {
  const r = await agentctl(['--format', 'json', 'doctor', ...args], env);
  return { ...r, report: JSON.parse(r.stdout || '{"checks":[]}') as { ok: boolean; checks: { name: string; status: string; summary: string; fix: string | null }[] } };
};
const byName = (report: { checks: { name: string }[] }, name: string) => report.checks.find((c) => c.name === name) as any;

describe('agentctl doctor against a daemon', () => {
  let healthy: TestDaemon;
  beforeAll(async () => {
    healthy = await startTestDaemon((dir) => ({
      authTokens: [OP],
      codex: { bin: join(BIN, 'codex'), profile: null, extraArgs: [] },
      claude: { bin: join(BIN, 'claude'), extraArgs: [] },
      agentEnv: healthyEnv(dir),
    }));
  });
  afterAll(() => healthy.close());

  it('a healthy setup passes every check and exits 0', async () => {
    const r = await doctor([], { AGENTCTL_URL: healthy.url, AGENTCTL_AUTH_TOKEN: OP });
    expect(r.report.checks.filter((c) => c.status === 'fail' || c.status === 'warn')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report.ok).toBe(true);
    expect(r.report.checks.map((c) => c.name)).toEqual(['daemon', 'codex', 'codex login', 'claude', 'claude login', 'database', 'wal', 'disk', 'exposure', 'clock sync', 'clock']);
    expect(byName(r.report, 'daemon').summary).toBe(`agentd ${VERSION} at ${healthy.url}`);
    expect(byName(r.report, 'codex login').summary).toContain('model provider "local"');
    // Human form: one line per check, the verdict last.
    const human = await agentctl(['doctor'], { AGENTCTL_URL: healthy.url, AGENTCTL_AUTH_TOKEN: OP });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ok +daemon +agentd /m);
    expect(human.stdout.trim().split('\n').at(-1)).toBe('everything passed');
  });

  it('without a token: the auth check fails and says how to pass one', async () => {
    const r = await doctor([], { AGENTCTL_URL: healthy.url });
    expect(r.code).toBe(1);
    expect(byName(r.report, 'auth')).toMatchObject({ status: 'fail', fix: expect.stringContaining('AGENTCTL_AUTH_TOKEN') });
  });

  describe('broken agent CLIs', () => {
    let d: TestDaemon;
    afterEach(async () => d?.close());

    it('codex missing (the default provider) fails; claude missing warns; --skip leaves them out', async () => {
      d = await startTestDaemon((dir) => ({ authTokens: [OP], codex: { bin: join(dir, 'no', 'codex'), profile: null, extraArgs: [] }, claude: { bin: 'no-such-claude', extraArgs: [] }, agentEnv: healthyEnv(dir) }));
      const r = await doctor([], { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OP });
      expect(r.code).toBe(1);
      expect(byName(r.report, 'codex')).toMatchObject({ status: 'fail', summary: expect.stringContaining('not found'), fix: expect.stringContaining('npm install -g @openai/codex@0.169.0') });
      expect(byName(r.report, 'claude')).toMatchObject({ status: 'warn', summary: expect.stringContaining("not found on agentd's PATH"), fix: expect.stringContaining('--claude-bin') });
      const skipped = await doctor(['--skip', 'codex', '--skip', 'claude'], { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OP });
      expect(skipped.report.checks.filter((c) => c.status === 'fail' || c.status === 'warn')).toEqual([]);
      expect(skipped.code).toBe(0);
    });

    it('a codex of another version warns with the tested one; not logged in fails, for both CLIs', async () => {
      d = await startTestDaemon((dir) => ({
        authTokens: [OP],
        codex: { bin: script(dir, 'old-codex', 'case "$1" in --version) echo "codex-cli 0.1.0";; *) echo "Not logged in" >&2; exit 1;; esac'), profile: null, extraArgs: [] },
        claude: { bin: join(BIN, 'claude'), extraArgs: [] },
        agentEnv: { PATH: process.env.PATH, HOME: dir, CODEX_HOME: join(dir, 'empty-codex-home') },
      }));
      const r = await doctor([], { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OP });
      expect(r.code).toBe(1);
      expect(byName(r.report, 'codex')).toMatchObject({ status: 'warn', summary: expect.stringMatching(/^0\.1\.0 at .*; agentd is tested with 0\.169\.0$/) });
      expect(byName(r.report, 'codex login')).toMatchObject({ status: 'fail', summary: 'not logged in', fix: expect.stringContaining('codex login') });
      expect(byName(r.report, 'claude login')).toMatchObject({ status: 'fail', summary: 'not logged in', fix: expect.stringContaining('ANTHROPIC_API_KEY') });
    });
  });
});

describe('agentctl doctor when agentd does not answer', () => {
  let dir: string;
  const servers: (net.Server | http.Server)[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-doctor-'));
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = async (server: net.Server | http.Server) => {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as net.AddressInfo).port;
  };

  it('nothing listening: the daemon check fails with how to start it, the port is free, and a damaged database fails', async () => {
    const port = await listen(net.createServer());
    servers.pop()!.close();
    const db = join(dir, 'damaged.db');
    const raw = new Database(db);
    raw.exec('CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x);');
    const insert = raw.prepare('INSERT INTO t VALUES (?)');
    raw.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`row ${i} ${'y'.repeat(50)}`);
    })();
    raw.close();
    // Scribble over the middle of the file, where b-tree pages are.
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 8192);
    closeSync(fd);
    const r = await doctor(['--db', db, '--codex-bin', join(BIN, 'codex'), '--claude-bin', join(BIN, 'claude')], { AGENTCTL_URL: `http://127.0.0.1:${port}`, HOME: dir });
    expect(r.code).toBe(1);
    expect(byName(r.report, 'daemon')).toMatchObject({ status: 'fail', summary: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('agentd service install') });
    expect(byName(r.report, 'port')).toMatchObject({ status: 'pass' });
    expect(byName(r.report, 'codex')).toMatchObject({ status: 'pass' });
    expect(byName(r.report, 'database')).toMatchObject({ status: 'fail', summary: expect.not.stringContaining('\n'), fix: expect.stringContaining('restore the latest backup') });
  });

  it('the port held by another program: the port check names it', async () => {
    const port = await listen(net.createServer((socket) => socket.destroy()));
    const r = await doctor(['--db', join(dir, 'none.db')], { AGENTCTL_URL: `http://127.0.0.1:${port}`, HOME: dir });
    expect(r.code).toBe(1);
    expect(byName(r.report, 'port')).toMatchObject({ status: 'fail', summary: expect.stringContaining('taken by a program that is not agentd') });
    expect(byName(r.report, 'database')).toMatchObject({ status: 'skip' });
  });

  it('an agentd of another version, with its clock a minute off: the version warns and the clock fails', async () => {
    const port = await listen(http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/health') res.end(JSON.stringify({ status: 'ok', version: '0.0.1' }));
      else res.end(JSON.stringify({ now: new Date(Date.now() + 60_000).toISOString(), checks: [] }));
    }));
    const r = await doctor([], { AGENTCTL_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(byName(r.report, 'daemon')).toMatchObject({ status: 'warn', summary: `agentd 0.0.1 at http://127.0.0.1:${port}, agentctl ${VERSION}` });
    expect(byName(r.report, 'clock')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^agentd's clock is 60\.\d s ahead of this machine$/) });
  });
});

describe('agentctl doctor against an agentd without self-checks', () => {
  let server: http.Server;
  afterAll(() => new Promise((r) => server.close(r)));

  it('warns that the daemon cannot check itself instead of failing with route_not_found', async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/health') return res.setHeader('content-type', 'application/json').end(JSON.stringify({ status: 'ok', version: VERSION }));
      res.statusCode = 404;
      res.setHeader('content-type', 'application/problem+json');
      res.end(JSON.stringify({ type: 'x', title: 'Route not found', status: 404, code: 'route_not_found', detail: 'no route' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const r = await doctor([], { AGENTCTL_URL: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    expect(r.code).toBe(1);
    expect(r.report.checks.map((c) => [c.name, c.status])).toEqual([['daemon', 'pass'], ['self-checks', 'warn']]);
  });
});

describe('checks with limits and stand-ins', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-doctor-unit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a large write-ahead log warns; little free disk warns or fails', () => {
    const db = join(dir, 'live.db');
    const writer = new Database(db);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (x)');
    writer.prepare('INSERT INTO t VALUES (1)').run();
    try {
      const normal = checkDatabase(db);
      expect(normal.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
      const tight = checkDatabase(db, { walWarnBytes: 0, diskFailBytes: 0, diskWarnBytes: Number.MAX_SAFE_INTEGER });
      expect(tight.find((c) => c.name === 'wal')).toMatchObject({ status: 'warn', fix: expect.stringContaining('read transaction') });
      expect(tight.find((c) => c.name === 'disk')).toMatchObject({ status: 'warn' });
      const full = checkDatabase(db, { walWarnBytes: 0, diskFailBytes: Number.MAX_SAFE_INTEGER, diskWarnBytes: Number.MAX_SAFE_INTEGER });
      expect(full.find((c) => c.name === 'disk')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--retain-days') });
    } finally {
      writer.close();
    }
    const missing = checkDatabase(join(dir, 'missing.db'));
    expect(missing).toMatchObject([{ name: 'database', status: 'fail' }]);
  });

  it('exposure: beyond loopback a token is required and must be long', () => {
    expect(checkExposure('127.0.0.1', true, [], null).status).toBe('pass');
    expect(checkExposure('0.0.0.0', false, [], null)).toMatchObject({ status: 'fail', summary: 'listening on 0.0.0.0 without a token' });
    expect(checkExposure('0.0.0.0', false, ['short'], null)).toMatchObject({ status: 'fail', fix: expect.stringContaining('openssl rand') });
    expect(checkExposure('0.0.0.0', false, [OP], 'tiny')).toMatchObject({ status: 'fail' });
    expect(checkExposure('0.0.0.0', false, [OP], null).status).toBe('pass');
  });

  it('clock sync: an unsynchronized clock warns; no timedatectl is a skip, not a pass', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    script(bin, 'timedatectl', 'echo no');
    expect(await checkClockSync({ PATH: bin })).toMatchObject({ status: 'warn', fix: expect.stringContaining('set-ntp') });
    script(bin, 'timedatectl', 'echo yes');
    expect((await checkClockSync({ PATH: bin })).status).toBe('pass');
    expect((await checkClockSync({ PATH: join(dir, 'nowhere') })).status).toBe('skip');
  });

  it('clock skew allows for the round trip', () => {
    expect(clockSkew(1_000_000 + 1500, 1_000_000, 1_000_000, 2000).status).toBe('pass');
    expect(clockSkew(1_000_000 + 2500, 1_000_000, 1_000_000, 2000).status).toBe('fail');
    // A slow answer widens what can be told apart: half the round trip.
    expect(clockSkew(1_000_000 + 2500, 1_000_000, 1_000_000 + 2000, 2000).status).toBe('pass');
  });
});
