import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CODEX_BIN, codexEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';

/**
 * The real codex CLI, driven by the scripted model, delegates through agentctl: its tool call runs
 * `agentctl tool session-spawn`, authenticated by the run token agentd gave it.
 */
describe('codex delegates to a child session through agentctl', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  const OP = 'operator-token';
  beforeAll(async () => {
    // A prompt starting with "Run: " is always a tool call, even when the command mentions a phrase
    // the default script would answer directly.
    server = await startModelServer({
      responder: (req) => (!req.toolOutput && req.userText.startsWith('Run: ') ? { kind: 'tool', command: req.userText.slice(5) } : defaultResponder(req)),
    });
    cli = await codexEnv(server);
    d = await startTestDaemon({
      authTokens: [OP],
      agentEnv: cli.env,
      codex: { bin: CODEX_BIN, profile: null, extraArgs: ['--dangerously-bypass-approvals-and-sandbox'] },
    });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await server?.close();
    await cli?.cleanup();
  });

  it('the child session exists under the parent run, its run completes, and the parent receives child.completed', async () => {
    const parent = (await d.api('POST', '/sessions', { token: OP, body: { provider: 'codex', cwd: d.dir } })).body.session;
    const task = 'Respond with exactly: child-done';
    const run = (await d.api('POST', `/sessions/${parent.id}/messages`, { token: OP, body: { text: `Run: agentctl tool session-spawn --task "${task}"` } })).body.run;
    const done = (await d.api('GET', `/runs/${run.id}/wait?timeout_s=90`, { token: OP })).body.run;
    expect(done.state).toBe('completed');

    const events = async (id: string) => (await d.api('GET', `/sessions/${id}/events?limit=1000`, { token: OP })).body.events as any[];
    const spawned = (await events(parent.id)).find((e) => e.type === 'child.spawned');
    expect(spawned).toBeDefined();
    const child = spawned.data.session;
    expect(child).toMatchObject({ parent_session_id: parent.id, parent_run_id: run.id, provider: 'codex', depth: 1 });
    // The tool's output (agentctl's JSON) went back to the model, naming the child.
    expect(server.requests.some((r) => r.toolOutput?.includes(child.id))).toBe(true);

    const childRun = (await d.api('GET', `/runs/${spawned.data.run.id}/wait?timeout_s=90`, { token: OP })).body.run;
    expect(childRun).toMatchObject({ state: 'completed', final_text: 'child-done', parent_run_id: run.id });
    const announced = (await events(parent.id)).filter((e) => e.type === 'child.completed');
    expect(announced).toHaveLength(1);
    expect(announced[0].data).toMatchObject({ child_session_id: child.id, child_run_id: childRun.id, state: 'completed', final_text: 'child-done' });
  });
});
