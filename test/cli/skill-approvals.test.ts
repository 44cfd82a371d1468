import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { askingAgentOptions, watchSession } from '../support/approvals.js';
import { waitForFile } from '../support/files.js';

const SKILL = fileURLToPath(new URL('../../docs/SKILL.md', import.meta.url));

/** The ```sh approvals block of SKILL.md, run by a parent agent whose child's CLI asks. */
describe('docs/SKILL.md: answering a child approval', () => {
  let d: TestDaemon;
  const OP = 'op-token';
  beforeAll(async () => {
    d = await startTestDaemon({ authTokens: [OP] }, askingAgentOptions);
  });
  afterAll(async () => {
    writeFileSync(join(d.dir, 'parent.json.release'), '');
    await d.close();
  });

  it('runs as written with only the parent agent\'s environment, and the child goes ahead', async () => {
    const [, script] = /```sh approvals\n([\s\S]*?)```/.exec(readFileSync(SKILL, 'utf8')) ?? [];
    expect(script).toBeDefined();
    const session = (await d.api('POST', '/sessions', { token: OP, body: {} })).body.session;
    const parentRun = (await d.api('POST', `/sessions/${session.id}/messages`, { token: OP, body: { text: `env-to-file ${join(d.dir, 'parent.json')}` } })).body.run;
    const env = JSON.parse(await waitForFile(join(d.dir, 'parent.json')));
    const watch = await watchSession(d, session.id, OP);
    const file = join(d.dir, 'tests-ran');
    try {
      const child = (await d.api('POST', `/runs/${parentRun.id}/spawn`, { token: env.AGENTD_TOKEN, body: { task: `ask touch ${file}` } })).body;
      const asked = await watch.next('child.request');
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const bash = spawn('bash', ['-euo', 'pipefail', '-c', script!], { env });
        let stdout = '';
        let stderr = '';
        bash.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        bash.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        bash.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toContain(`${asked.id}  open`);
      expect(lines).toContain(`run \`touch ${file}\` in ${session.cwd}`);
      expect(lines[lines.length - 1]).toBe(`${asked.id} answered (approve): run \`touch ${file}\` in ${session.cwd}`);
      const done = (await d.api('GET', `/runs/${child.run.id}/wait?timeout_s=30`, { token: OP })).body.run;
      expect(done.final_text).toBe(`approved touch ${file}`);
      expect(existsSync(file)).toBe(true);
    } finally {
      watch.close();
    }
  });
});
