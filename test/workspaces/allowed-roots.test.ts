/**
 * --allowed-root: sessions work only under the allowed directories, compared as real paths so a
 * symlink cannot lead out; a run token's children stay inside its own session's root; and agentd
 * will not listen beyond loopback without a root.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { tempRepo, workspaceAgentOptions, type TempRepo } from '../support/git-repo.js';

let base: string;
let root: string;
let outside: string;
let d: TestDaemon;
let r: TempRepo;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'agentd-roots-')));
  root = join(base, 'allowed');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'project', 'sub'), { recursive: true });
  mkdirSync(outside);
  // Links inside the allowed root: one leads out, one stays in.
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(root, 'project'), join(root, 'alias'));
  // The root itself named through a link: compared by where it leads.
  symlinkSync(root, join(base, 'root-link'));
  d = await startTestDaemon({}, { ...workspaceAgentOptions, allowedRoot: [join(base, 'root-link')] });
  r = tempRepo();
});
afterAll(async () => {
  await d?.close();
  r?.cleanup();
  rmSync(base, { recursive: true, force: true });
});

const create = (cwd: string, extra: Record<string, unknown> = {}) => d.api('POST', '/sessions', { body: { cwd, ...extra } });

describe('--allowed-root', () => {
  it('takes directories under a root, by their real path', async () => {
    const inside = await create(join(root, 'project', 'sub'));
    expect(inside.status).toBe(201);
    expect(inside.body.session.cwd).toBe(join(root, 'project', 'sub'));
    const viaLink = await create(join(base, 'root-link', 'alias'));
    expect(viaLink.status).toBe(201);
    // Stored as where it leads, so the link cannot be pointed elsewhere afterwards.
    expect(viaLink.body.session.cwd).toBe(join(root, 'project'));
  });

  it('refuses a symlink that leads out, a .. that climbs out, and a directory outside, with 422 invalid_cwd', async () => {
    const before = (await d.api('GET', '/sessions?limit=500')).body.sessions.length;
    for (const cwd of [join(root, 'escape'), join(root, 'project', '..', '..', 'outside'), outside, '/']) {
      const res = await create(cwd);
      expect([res.status, res.body.code], cwd).toEqual([422, 'invalid_cwd']);
      expect(res.body.detail).toContain('outside the allowed roots');
    }
    const escaped = await create(join(root, 'escape'));
    expect(escaped.body.detail).toContain(`${outside} (${join(root, 'escape')} leads there)`);
    // A worktree of a repository outside the roots is refused before git is asked anything.
    const wt = await create(r.dir, { worktree: true });
    expect([wt.status, wt.body.code]).toEqual([422, 'invalid_cwd']);
    expect(r.git('branch', '--format=%(refname:short)').trim()).toBe('main');
    expect((await d.api('GET', '/sessions?limit=500')).body.sessions.length).toBe(before);
  });

  it('refuses a session without cwd when the daemon was started outside every root', async () => {
    const res = await d.api('POST', '/sessions', { body: {} });
    expect([res.status, res.body.code]).toEqual([422, 'invalid_cwd']);
  });

  it('shows the roots in daemon status', async () => {
    expect((await d.api('GET', '/daemon/status')).body.allowed_roots).toEqual([root]);
  });
});

describe('children of a run token', () => {
  it("spawn only inside their own session's root: a sibling directory under the allowed root is refused", async () => {
    mkdirSync(join(root, 'other'), { recursive: true });
    const parent = (await create(join(root, 'project'))).body.session;
    const spawn = (args: string[]) => `agentctl ${JSON.stringify(['tool', 'session-spawn', '--task', 'pwd', ...args])}`;
    const run = (await d.api('POST', `/sessions/${parent.id}/messages`, {
      body: { text: [spawn(['--cwd', join(root, 'other')]), spawn(['--cwd', 'sub']), spawn(['--cwd', join(root, 'escape')])].join(' ; ') },
    })).body.run;
    const done = (await d.api('GET', `/runs/${run.id}/wait?timeout_s=60`)).body.run;
    expect(done.state).toBe('completed');
    const items = (await d.api('GET', `/sessions/${parent.id}/events?limit=1000`)).body.events
      .filter((e: any) => e.type === 'run.item' && e.data.item.text?.startsWith('{'))
      .map((e: any) => JSON.parse(e.data.item.text));
    expect(items).toHaveLength(3);
    // A sibling under the same allowed root: outside this session's root.
    expect(items[0].code).toBe(1);
    expect(items[0].stderr).toContain('invalid_cwd');
    expect(items[0].stderr).toContain(`only inside its own session's root ${join(root, 'project')}`);
    // Relative to the parent's directory, inside its root: allowed.
    expect(items[1].code).toBe(0);
    expect(JSON.parse(items[1].stdout).session.cwd).toBe(join(root, 'project', 'sub'));
    // Out through a link: refused by the allowed roots already.
    expect(items[2].code).toBe(1);
    expect(items[2].stderr).toContain('invalid_cwd');
  });

  it('an operator may spawn a child anywhere under the allowed roots', async () => {
    const parent = (await create(join(root, 'project'))).body.session;
    const res = await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: 'pwd', cwd: join(root, 'other') } });
    expect(res.status).toBe(201);
    const out = await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: 'pwd', cwd: outside } });
    expect([out.status, out.body.code]).toEqual([422, 'invalid_cwd']);
  });
});

describe('listening beyond loopback', () => {
  const refusal = (argv: string[]) => {
    try {
      parseConfig(argv, {}, base);
      return null;
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
  };

  it('needs at least one --allowed-root, which must exist', () => {
    expect(refusal(['--host', '0.0.0.0', '--auth-token', 'a:b'])).toMatch(/refusing to listen on 0\.0\.0\.0 without an --allowed-root/);
    expect(refusal(['--host', '0.0.0.0', '--auth-token', 'a:b', '--allowed-root', join(base, 'missing')])).toMatch(/--allowed-root .*missing does not exist/);
    expect(refusal(['--host', '0.0.0.0', '--auth-token', 'a:b', '--allowed-root', root])).toBeNull();
    expect(parseConfig(['--host', '0.0.0.0', '--auth-token', 'a:b'], { AGENTD_ALLOWED_ROOTS: `${root}:${outside}` }, base).allowedRoots).toEqual([root, outside]);
    // Loopback needs none.
    expect(parseConfig([], {}, base).allowedRoots).toEqual([]);
  });
});
