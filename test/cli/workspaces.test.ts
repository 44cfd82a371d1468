/** agentctl for several agents on one repository and for what they cost (issue 17). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { tempRepo, workspaceAgentOptions, type TempRepo } from '../support/git-repo.js';
import { agentctl } from '../support/processes.js';

let d: TestDaemon;
let env: Record<string, string>;
let r: TempRepo;
beforeAll(async () => {
  d = await startTestDaemon({ authTokens: ['cli-token'] }, workspaceAgentOptions);
  env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: 'cli-token' };
  r = tempRepo();
});
afterAll(async () => {
  await d?.close();
  r?.cleanup();
});

const run = async (session: string, text: string) => {
  const id = (await agentctl(['--field', 'run.id', 'message', 'send', '--session-id', session, '--text', text], env)).stdout.trim();
  return agentctl(['run', 'wait', '--run-id', id], env);
};

describe('agentctl session create --worktree, session diff, session worktree remove', () => {
  it('works on its own branch from a relative --cwd, shows the diff, and removes the worktree', async () => {
    // --cwd is relative to where agentctl runs, not to the daemon.
    const created = await agentctl(['--format', 'json', 'session', 'create', '--worktree', '--branch', 'cli-work', '--cwd', 'src'], env, undefined, r.dir);
    expect(created.code, created.stderr).toBe(0);
    const session = JSON.parse(created.stdout).session;
    expect(session.worktree).toMatchObject({ branch: 'cli-work', repository: r.dir });
    expect(session.cwd).toBe(join(session.worktree.path, 'src'));
    const list = await agentctl(['session', 'list'], env);
    expect(list.stdout).toMatch(new RegExp(`^${session.id}  command  \\S+  \\[cli-work\\]$`, 'm'));
    expect((await run(session.id, 'write app.txt app v2 ; write new.txt fresh')).code).toBe(0);

    const patch = await agentctl(['session', 'diff', session.id], env);
    expect(patch.code).toBe(0);
    expect(patch.stdout).toContain('+app v2');
    expect(patch.stdout).toContain('+++ b/src/new.txt');
    const stat = await agentctl(['session', 'diff', '--session-id', session.id, '--stat'], env);
    expect(stat.stdout).toBe([
      'M src/app.txt  +1 -1',
      'A src/new.txt  +1 -0',
      `cli-work: 0 commit(s) since ${session.worktree.base_commit.slice(0, 12)}, plus uncommitted changes; 2 file(s), +2 -1`,
      '',
    ].join('\n'));

    const refused = await agentctl(['session', 'worktree', 'remove', session.id], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('worktree_dirty');
    expect(readFileSync(join(session.worktree.path, 'src', 'new.txt'), 'utf8')).toBe('fresh\n');
    const removed = await agentctl(['session', 'worktree', 'remove', session.id, '--force'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`removed ${session.worktree.path}; branch cli-work keeps what was committed\n`);
  });

  it('says what is wrong: not a repository, --branch without --worktree, no session named', async () => {
    const notRepo = await agentctl(['session', 'create', '--worktree', '--cwd', d.dir], env);
    expect(notRepo.code).toBe(1);
    expect(notRepo.stderr).toContain('not_a_git_repository');
    const usage = await agentctl(['session', 'create', '--branch', 'x'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--branch and --allow-dirty go with --worktree');
    expect((await agentctl(['session', 'diff'], env)).code).toBe(2);
  });
});

describe('agentctl usage, session get, session budget, daemon status', () => {
  it('shows what sessions spent, as a table or JSON, and budgets that stop a session', async () => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create', '--title', 'spender', '--cwd', d.dir, '--max-tokens', '100'], env)).stdout.trim();
    expect((await run(session, 'usage {"input_tokens":1000,"cached_input_tokens":100,"output_tokens":200,"model":"gpt-5"} ; done')).code).toBe(0);

    const table = await agentctl(['usage', '--session', session], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`usage, all time, session ${session} and below`);
    expect(lines[1]).toMatch(/^SESSION\s+PROVIDER\s+RUNS\s+INPUT\s+CACHED\s+OUTPUT\s+COST\s+TITLE$/);
    expect(lines[2]).toMatch(new RegExp(`^${session}\\s+command\\s+1\\s+1,000\\s+100\\s+200\\s+\\$0\\.0031~\\s+spender$`));
    expect(lines[3]).toMatch(/^total\s+1\s+1,000\s+100\s+200\s+\$0\.0031~$/);
    expect(lines[4]).toMatch(/^~ estimated from token counts with the price table of \d{4}-\d{2}-\d{2}$/);

    const json = JSON.parse((await agentctl(['--format', 'json', 'usage', '--since', '1h'], env)).stdout);
    expect(json.totals.total_tokens).toBeGreaterThanOrEqual(1200);
    expect(Date.parse(json.since)).toBeLessThan(Date.now());
    expect((await agentctl(['usage', '--since', 'last week'], env)).code).toBe(2);

    const get = await agentctl(['session', 'get', '--session-id', session], env);
    expect(get.stdout).toMatch(/spend \(own\)\s+\$0\.0031 \(partly estimated\), 1 run\(s\), 1,200 tokens \(1,000 in, 100 of them cached, 200 out\)/);
    expect(get.stdout).toMatch(/budget\s+100 tokens {2}— reached \(max_tokens\): no new runs/);

    const refused = await agentctl(['message', 'send', '--session-id', session, '--text', 'pwd'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('budget_exceeded');
    const raised = await agentctl(['session', 'budget', session, '--max-tokens', '5000'], env);
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.stdout).toBe(`session ${session}: max cost daemon default, max tokens 5000\n`);
    expect((await run(session, 'pwd')).code).toBe(0);

    const status = await agentctl(['daemon', 'status'], env);
    expect(status.stdout).toMatch(/^spend {4}\$\S+ \(partly estimated\), \d+ run\(s\)/m);
  });
});
