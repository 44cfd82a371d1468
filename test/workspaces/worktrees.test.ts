/**
 * Sessions in git worktrees, with real git in temporary repositories: creation, isolation of two
 * sessions' changes, diff against the base, removal rules, and the errors a person can act on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { tempRepo, workspaceAgentOptions, type TempRepo } from '../support/git-repo.js';
import { waitForFile } from '../support/files.js';

let d: TestDaemon;
const repos: TempRepo[] = [];
const repo = (files?: Record<string, string>) => {
  const r = tempRepo(files);
  repos.push(r);
  return r;
};

beforeAll(async () => {
  d = await startTestDaemon({}, workspaceAgentOptions);
});
afterAll(async () => {
  await d?.close();
});
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const create = (body: Record<string, unknown>) => d.api('POST', '/sessions', { body });
const turn = async (sessionId: string, text: string) => {
  const posted = await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } });
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  return (await d.api('GET', `/runs/${posted.body.run.id}/wait?timeout_s=60`)).body.run;
};
const branches = (r: TempRepo) => r.git('branch', '--format=%(refname:short)').split('\n').filter(Boolean).sort();
const sessionCount = async () => (await d.api('GET', '/sessions?limit=500')).body.sessions.length as number;

describe('session create --worktree', () => {
  it('makes a worktree on a new branch from HEAD, shows it on the session, and runs every turn there', async () => {
    const r = repo();
    const head = r.git('rev-parse', 'HEAD').trim();
    const res = await create({ cwd: r.dir, worktree: true, title: 'wt' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const s = res.body.session;
    expect(s.worktree).toMatchObject({ branch: `agentd/${s.id}`, base_commit: head, repository: r.dir, owner_session_id: s.id, removed_at: null });
    expect(s.worktree.path.startsWith(join(d.dir, 'worktrees'))).toBe(true);
    expect(s.cwd).toBe(s.worktree.path);
    expect(readFileSync(join(s.worktree.path, 'README.md'), 'utf8')).toBe('hello\n');
    expect(branches(r)).toEqual(['main', `agentd/${s.id}`].sort());
    // get and list show it too
    expect((await d.api('GET', `/sessions/${s.id}`)).body.session.worktree).toEqual(s.worktree);
    expect((await d.api('GET', '/sessions?limit=500')).body.sessions.find((x: any) => x.id === s.id).worktree).toEqual(s.worktree);
    // every turn runs in the worktree
    expect((await turn(s.id, 'pwd')).final_text).toBe(s.worktree.path);
    expect((await turn(s.id, 'pwd')).final_text).toBe(s.worktree.path);
  });

  it('keeps the subdirectory asked for, and takes a branch name', async () => {
    const r = repo();
    const s = (await create({ cwd: join(r.dir, 'src'), worktree: true, branch: 'feature/login' })).body.session;
    expect(s.worktree.branch).toBe('feature/login');
    expect(s.cwd).toBe(join(s.worktree.path, 'src'));
    expect((await turn(s.id, 'pwd')).final_text).toBe(join(s.worktree.path, 'src'));
  });

  it("isolates two sessions' changes from each other and from the checkout", async () => {
    const r = repo();
    const a = (await create({ cwd: r.dir, worktree: true })).body.session;
    const b = (await create({ cwd: r.dir, worktree: true })).body.session;
    expect(a.worktree.path).not.toBe(b.worktree.path);
    await turn(a.id, 'write README.md changed by a ; write a.txt from a');
    await turn(b.id, 'write b.txt from b');
    expect(readFileSync(join(a.worktree.path, 'README.md'), 'utf8')).toBe('changed by a\n');
    expect(readFileSync(join(b.worktree.path, 'README.md'), 'utf8')).toBe('hello\n');
    expect(existsSync(join(b.worktree.path, 'a.txt'))).toBe(false);
    expect(existsSync(join(a.worktree.path, 'b.txt'))).toBe(false);
    expect(readFileSync(join(r.dir, 'README.md'), 'utf8')).toBe('hello\n');
    expect(r.git('status', '--porcelain')).toBe('');
    const diffA = (await d.api('GET', `/sessions/${a.id}/diff`)).body.diff;
    const diffB = (await d.api('GET', `/sessions/${b.id}/diff`)).body.diff;
    expect(diffA.files.map((f: any) => `${f.status} ${f.path}`).sort()).toEqual(['A a.txt', 'M README.md']);
    expect(diffB.files.map((f: any) => `${f.status} ${f.path}`)).toEqual(['A b.txt']);
  });
});

describe('session diff', () => {
  it('shows commits and uncommitted changes (new files too) against the base, and after removal what the branch kept', async () => {
    const r = repo();
    const s = (await create({ cwd: r.dir, worktree: true })).body.session;
    const empty = (await d.api('GET', `/sessions/${s.id}/diff`)).body;
    expect(empty.diff).toMatchObject({ base_commit: s.worktree.base_commit, head_commit: s.worktree.base_commit, commits: 0, uncommitted: false, files: [], patch: '', truncated: false });

    await turn(s.id, 'write src/app.txt app v2 ; commit change app ; write notes.txt draft');
    const res = await d.api('GET', `/sessions/${s.id}/diff`);
    expect(res.status).toBe(200);
    expect(res.body.worktree).toEqual(s.worktree);
    const diff = res.body.diff;
    expect(diff).toMatchObject({ base_commit: s.worktree.base_commit, commits: 1, uncommitted: true, insertions: 2, deletions: 1 });
    expect(diff.head_commit).not.toBe(s.worktree.base_commit);
    expect(diff.files).toEqual([
      { path: 'notes.txt', status: 'A', insertions: 1, deletions: 0 },
      { path: 'src/app.txt', status: 'M', insertions: 1, deletions: 1 },
    ]);
    expect(diff.patch).toContain('+app v2');
    expect(diff.patch).toContain('+++ b/notes.txt');
    // The worktree's own index was not touched: notes.txt is still untracked there.
    expect(r.git('-C', s.worktree.path, 'status', '--porcelain')).toBe('?? notes.txt\n');

    expect((await d.api('DELETE', `/sessions/${s.id}/worktree?force=true`)).status).toBe(200);
    const after = (await d.api('GET', `/sessions/${s.id}/diff`)).body.diff;
    expect(after).toMatchObject({ commits: 1, uncommitted: false, files: [{ path: 'src/app.txt', status: 'M', insertions: 1, deletions: 1 }] });
  });

  it('is a 409 no_worktree for a session without one, and 404 for an unknown session', async () => {
    const s = (await create({ cwd: d.dir })).body.session;
    expect(s.worktree).toBeNull();
    const res = await d.api('GET', `/sessions/${s.id}/diff`);
    expect([res.status, res.body.code]).toEqual([409, 'no_worktree']);
    expect((await d.api('GET', '/sessions/ses_nope/diff')).body.code).toBe('session_not_found');
  });
});

describe('session worktree remove', () => {
  it('refuses while a run is active, refuses uncommitted changes unless forced, keeps the branch, and refuses later runs', async () => {
    const r = repo();
    const s = (await create({ cwd: r.dir, worktree: true })).body.session;
    const release = join(d.dir, `release-${s.id}`);
    const posted = (await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: `write work.txt wip ; wait-file ${release}` } })).body.run;
    await waitForFile(join(s.worktree.path, 'work.txt'));
    const busy = await d.api('DELETE', `/sessions/${s.id}/worktree`);
    expect([busy.status, busy.body.code]).toEqual([409, 'worktree_busy']);
    expect(busy.body.run_ids).toEqual([posted.id]);
    writeFileSync(release, '');
    expect((await d.api('GET', `/runs/${posted.id}/wait?timeout_s=60`)).body.run.state).toBe('completed');

    const dirty = await d.api('DELETE', `/sessions/${s.id}/worktree`);
    expect([dirty.status, dirty.body.code]).toEqual([409, 'worktree_dirty']);
    expect(dirty.body.changed).toEqual(['work.txt']);
    expect(existsSync(s.worktree.path)).toBe(true);

    const removed = await d.api('DELETE', `/sessions/${s.id}/worktree?force=true`);
    expect(removed.status).toBe(200);
    expect(removed.body.session.worktree.removed_at).not.toBeNull();
    expect(existsSync(s.worktree.path)).toBe(false);
    expect(branches(r)).toContain(s.worktree.branch);
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain(s.worktree.path);
    const events = (await d.api('GET', `/sessions/${s.id}/events?limit=1000`)).body.events;
    expect(events.filter((e: any) => e.type === 'session.worktree_removed').map((e: any) => e.data)).toEqual([
      { worktree: removed.body.session.worktree, forced: true, already_gone: false },
    ]);

    const later = await d.api('POST', `/sessions/${s.id}/messages`, { body: { text: 'pwd' } });
    expect([later.status, later.body.code]).toEqual([409, 'worktree_removed']);
    // Removing again changes nothing and announces nothing.
    expect((await d.api('DELETE', `/sessions/${s.id}/worktree`)).status).toBe(200);
    const again = (await d.api('GET', `/sessions/${s.id}/events?limit=1000`)).body.events;
    expect(again.filter((e: any) => e.type === 'session.worktree_removed')).toHaveLength(1);
  });

  it('removes a clean worktree without force, and one deleted by hand is pruned', async () => {
    const r = repo();
    const clean = (await create({ cwd: r.dir, worktree: true })).body.session;
    await turn(clean.id, 'write x.txt x ; commit add x');
    const res = await d.api('DELETE', `/sessions/${clean.id}/worktree`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(r.git('show', `${clean.worktree.branch}:x.txt`)).toBe('x\n');

    const gone = (await create({ cwd: r.dir, worktree: true })).body.session;
    r.git('worktree', 'remove', '--force', gone.worktree.path);
    const pruned = await d.api('DELETE', `/sessions/${gone.id}/worktree`);
    expect(pruned.status).toBe(200);
    const events = (await d.api('GET', `/sessions/${gone.id}/events?limit=1000`)).body.events;
    expect(events.find((e: any) => e.type === 'session.worktree_removed').data.already_gone).toBe(true);
  });
});

describe('children and worktrees', () => {
  it("a child shares its parent's worktree by default; removal waits for the child's runs too", async () => {
    const r = repo();
    const parent = (await create({ cwd: r.dir, worktree: true })).body.session;
    const release = join(d.dir, `release-child-${parent.id}`);
    const spawned = await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: `pwd ; wait-file ${release}` } });
    expect(spawned.status, JSON.stringify(spawned.body)).toBe(201);
    const child = spawned.body.session;
    expect(child.cwd).toBe(parent.cwd);
    expect(child.worktree).toEqual(parent.worktree);
    const busy = await d.api('DELETE', `/sessions/${parent.id}/worktree?force=true`);
    expect([busy.status, busy.body.code]).toEqual([409, 'worktree_busy']);
    writeFileSync(release, '');
    await d.api('GET', `/runs/${spawned.body.run.id}/wait?timeout_s=60`);
    expect((await d.api('DELETE', `/sessions/${parent.id}/worktree`)).status).toBe(200);
    // The child hears of it and takes no new run either.
    expect((await d.api('GET', `/sessions/${child.id}`)).body.session.worktree.removed_at).not.toBeNull();
    expect((await d.api('POST', `/sessions/${child.id}/messages`, { body: { text: 'pwd' } })).body.code).toBe('worktree_removed');
  });

  it("a child with worktree: true gets its own, branched from its parent's worktree HEAD", async () => {
    const r = repo();
    const parent = (await create({ cwd: r.dir, worktree: true })).body.session;
    await turn(parent.id, 'write p.txt from parent ; commit parent work');
    const parentHead = r.git('-C', parent.worktree.path, 'rev-parse', 'HEAD').trim();
    const spawned = await d.api('POST', `/sessions/${parent.id}/spawn`, { body: { task: 'pwd', worktree: true, branch: 'child-try' } });
    expect(spawned.status, JSON.stringify(spawned.body)).toBe(201);
    const child = spawned.body.session;
    expect(child.worktree).toMatchObject({ branch: 'child-try', base_commit: parentHead, repository: parent.worktree.path, owner_session_id: child.id });
    expect((await d.api('GET', `/runs/${spawned.body.run.id}/wait?timeout_s=60`)).body.run.final_text).toBe(child.worktree.path);
    expect(readFileSync(join(child.worktree.path, 'p.txt'), 'utf8')).toBe('from parent\n');
  });
});

describe('errors are clear and change nothing', () => {
  it('not a git repository: 422 not_a_git_repository', async () => {
    const before = await sessionCount();
    const res = await create({ cwd: d.dir, worktree: true });
    expect([res.status, res.body.code]).toEqual([422, 'not_a_git_repository']);
    expect(res.body.detail).toContain(d.dir);
    expect(await sessionCount()).toBe(before);
  });

  it('branch exists: 409 branch_exists; an invalid name: 422 invalid_branch', async () => {
    const r = repo();
    r.git('branch', 'taken');
    const before = await sessionCount();
    const taken = await create({ cwd: r.dir, worktree: true, branch: 'taken' });
    expect([taken.status, taken.body.code, taken.body.branch]).toEqual([409, 'branch_exists', 'taken']);
    const bad = await create({ cwd: r.dir, worktree: true, branch: 'no..dots' });
    expect([bad.status, bad.body.code]).toEqual([422, 'invalid_branch']);
    expect(await sessionCount()).toBe(before);
    expect(branches(r)).toEqual(['main', 'taken']);
    expect(r.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('dirty base: 409 dirty_base naming the files, unless allow_dirty (which leaves them behind)', async () => {
    const r = repo();
    r.write('README.md', 'edited, not committed\n');
    const before = await sessionCount();
    const res = await create({ cwd: r.dir, worktree: true });
    expect([res.status, res.body.code]).toEqual([409, 'dirty_base']);
    expect(res.body.changed).toEqual(['README.md']);
    expect(await sessionCount()).toBe(before);
    expect(branches(r)).toEqual(['main']);
    const allowed = await create({ cwd: r.dir, worktree: true, allow_dirty: true });
    expect(allowed.status).toBe(201);
    expect(readFileSync(join(allowed.body.session.worktree.path, 'README.md'), 'utf8')).toBe('hello\n');
    // An untracked file alone does not make the base dirty: HEAD is all a worktree starts from anyway.
    r.git('checkout', '--', 'README.md');
    r.write('scratch.txt', 'not tracked\n');
    expect((await create({ cwd: r.dir, worktree: true })).status).toBe(201);
  });

  it('branch or allow_dirty without worktree is a 400', async () => {
    const res = await create({ cwd: d.dir, branch: 'x' });
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
  });

  it('git missing: 503 git_unavailable, and nothing created', async () => {
    const r = repo();
    const noGit = await startTestDaemon({ gitBin: join(d.dir, 'no-such-git') }, workspaceAgentOptions);
    try {
      const res = await noGit.api('POST', '/sessions', { body: { cwd: r.dir, worktree: true } });
      expect([res.status, res.body.code]).toEqual([503, 'git_unavailable']);
      expect(res.body.detail).toContain('--git-bin');
      expect((await noGit.api('GET', '/sessions')).body.sessions).toEqual([]);
      // Sessions without a worktree need no git.
      expect((await noGit.api('POST', '/sessions', { body: { cwd: r.dir } })).status).toBe(201);
    } finally {
      await noGit.close();
    }
  });
});
