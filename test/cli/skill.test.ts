import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { waitForFile } from '../support/files.js';

const SKILL = fileURLToPath(new URL('../../docs/SKILL.md', import.meta.url));
const AGENT = fileURLToPath(new URL('../support/fixtures/skill-agent.mjs', import.meta.url));

/** The ```sh blocks of SKILL.md in order, with the role (parent or child) that runs each. */
function examples(): { role: 'parent' | 'child'; script: string }[] {
  const blocks = [...readFileSync(SKILL, 'utf8').matchAll(/```sh( child)?\n([\s\S]*?)```/g)];
  return blocks.map((m) => ({ role: m[1] ? 'child' : 'parent', script: m[2]! }));
}

/** Runs a doc example with bash, as the agent would, carrying shell variables between blocks. */
function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('docs/SKILL.md examples', () => {
  let d: TestDaemon;
  const OP = 'op-token';
  beforeAll(async () => {
    d = await startTestDaemon(
      (dir) => ({ authTokens: [OP], agentEnv: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', SKILL_TEST_DIR: dir } }),
      { commandBin: process.execPath, commandArg: [AGENT], defaultProvider: 'command' },
    );
  });
  afterAll(() => d.close());

  it('run as written by a parent agent and its child, with only the environment agentd gives them', async () => {
    const blocks = examples();
    expect(blocks.map((b) => b.role)).toEqual(['parent', 'child', 'parent', 'parent']);

    // The parent: a real run of the daemon, whose environment the agent fixture hands over.
    const session = (await d.api('POST', '/sessions', { token: OP, body: {} })).body.session;
    const parentRun = (await d.api('POST', `/sessions/${session.id}/messages`, { token: OP, body: { text: 'coordinate' } })).body.run;
    const parentEnv = JSON.parse(await waitForFile(join(d.dir, `${parentRun.id}.json`)));

    // Shell variables carry from one parent block to the next, as in one agent's shell.
    const vars = join(d.dir, 'vars.sh');
    writeFileSync(vars, '');
    const asParent = (script: string) => bash(`source ${vars}\n${script}\ndeclare -p CHILD_SESSION CHILD_RUN SPAWN 2>/dev/null > ${vars} || true`, parentEnv);

    const spawned = await asParent(blocks[0]!.script);
    expect(spawned.code, spawned.stderr).toBe(0);
    const [, childSession, childRun] = /child (ses_\S+) is working in run (run_\S+)/.exec(spawned.stdout) ?? [];
    expect(childSession).toBeDefined();
    const childEnv = JSON.parse(await waitForFile(join(d.dir, `${childRun}.json`)));
    expect(childEnv.AGENTD_PARENT_RUN_ID).toBe(parentRun.id);

    const escalated = await bash(blocks[1]!.script, childEnv);
    expect(escalated.code, escalated.stderr).toBe(0);
    expect(JSON.parse(escalated.stdout).request).toMatchObject({ kind: 'approval_request', state: 'open', parent_session_id: session.id });

    const answered = await asParent(blocks[2]!.script);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toContain('approval_request');
    expect(answered.stdout).toContain('Need approval to run: rm -rf ./tmp-cache');
    const sent = JSON.parse(answered.stdout.trim().split('\n').pop()!);
    expect(sent.answered).toHaveLength(1);
    expect(sent.run.session_id).toBe(childSession);

    // The child finishes its first run; the parent's wait block sees its final text and the announcement.
    writeFileSync(join(d.dir, `${childRun}.release`), '');
    const waited = await asParent(blocks[3]!.script);
    expect(waited.code, waited.stderr).toBe(0);
    const lines = waited.stdout.trim().split('\n');
    expect(lines[0]).toBe('done: List the TODO comments under src/ and summarise them');
    expect(lines[1]).toBe(`${childSession} completed done: List the TODO comments under src/ and summarise them`);

    // Let the answer turn and the parent finish.
    writeFileSync(join(d.dir, `${sent.run.id}.release`), '');
    writeFileSync(join(d.dir, `${parentRun.id}.release`), '');
    expect((await d.api('GET', `/runs/${sent.run.id}/wait?timeout_s=30`, { token: OP })).body.run.final_text).toBe('done: Approved. Proceed with cleanup only in ./tmp-cache.');
  });
});
