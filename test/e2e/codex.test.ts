import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CODEX_BIN, codexEnv, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';

/** The real codex CLI run by agentd, against the scripted model server. */
describe('codex provider end to end', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  beforeAll(async () => {
    server = await startModelServer();
    cli = await codexEnv(server);
    d = await startTestDaemon({
      agentEnv: cli.env,
      codex: { bin: CODEX_BIN, profile: null, extraArgs: ['--dangerously-bypass-approvals-and-sandbox'] },
    });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await server?.close();
    await cli?.cleanup();
  });

  const turn = async (sessionId: string, text: string) => {
    const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } })).body.run;
    return (await d.api('GET', `/runs/${run.id}/wait?timeout_s=60`)).body.run;
  };

  it('a message becomes a codex run with the final text; the thread id is stored; the next turn resumes it', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'codex', cwd: d.dir } })).body.session;
    expect(session.provider).toBe('codex');
    const first = await turn(session.id, 'Respond with exactly: hi');
    expect(first).toMatchObject({ state: 'completed', final_text: 'hi', exit_code: 0 });
    expect(first.usage).toHaveProperty('input_tokens');
    const stored = (await d.api('GET', `/sessions/${session.id}`)).body.session;
    const threadId = stored.thread_ids.codex;
    expect(threadId).toMatch(/\S+/);

    const before = server.requests.length;
    const second = await turn(session.id, 'Respond with exactly: again');
    expect(second).toMatchObject({ state: 'completed', final_text: 'again' });
    // codex exec resume sent the first turn's history to the model.
    const resumed = server.requests.slice(before).find((r) => r.userText.includes('again'))!;
    expect(JSON.stringify(resumed.body.input)).toContain('Respond with exactly: hi');
    const events = (await d.api('GET', `/sessions/${session.id}/events?limit=1000`)).body.events;
    const processes = events.filter((e: any) => e.type === 'run.process');
    expect(processes.map((e: any) => e.data.resumed_thread)).toEqual([null, threadId]);
    const messages = events.filter((e: any) => e.type === 'message.created').map((e: any) => `${e.data.message.role}:${e.data.message.text}`);
    expect(messages).toEqual(['user:Respond with exactly: hi', 'assistant:hi', 'user:Respond with exactly: again', 'assistant:again']);
    const agentItems = events.filter((e: any) => e.type === 'run.item' && e.data.item.type === 'agent_message');
    expect(agentItems.map((e: any) => e.data.item.text)).toContain('hi');
  });

  it('a tool call runs the command and its command_execution item reaches the event log', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'codex', cwd: d.dir } })).body.session;
    const run = await turn(session.id, 'Run: echo tool-ran-42');
    expect(run.state).toBe('completed');
    expect(run.final_text).toContain('tool-ran-42');
    const events = (await d.api('GET', `/sessions/${session.id}/events?limit=1000`)).body.events;
    const exec = events.filter((e: any) => e.type === 'run.item' && e.data.item.type === 'command_execution' && e.data.phase === 'completed');
    expect(exec.length).toBe(1);
    expect(exec[0].data.item.command).toContain('echo tool-ran-42');
    expect(exec[0].data.item.aggregated_output).toContain('tool-ran-42');
    expect(exec[0].data.item.exit_code).toBe(0);
    expect(server.requests.some((r) => r.toolOutput?.includes('tool-ran-42'))).toBe(true);
  });

  it('a model error fails the run with the reason', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'codex', cwd: d.dir } })).body.session;
    const run = await turn(session.id, 'Fail with: the model is on fire');
    expect(run.state).toBe('failed');
    expect(run.error).toContain('the model is on fire');
  });
});
