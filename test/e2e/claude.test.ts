import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CLAUDE_BIN, claudeEnv, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';

/** The real claude CLI run by agentd, against the scripted model server. */
describe('claude provider end to end', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  beforeAll(async () => {
    server = await startModelServer();
    cli = await claudeEnv(server);
    d = await startTestDaemon({ agentEnv: cli.env, claude: { bin: CLAUDE_BIN, extraArgs: [] } });
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

  it('a message becomes a claude run with the final text; the session id is stored; the next turn resumes it', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'claude', cwd: d.dir } })).body.session;
    const first = await turn(session.id, 'Respond with exactly: hi');
    expect(first).toMatchObject({ state: 'completed', final_text: 'hi', exit_code: 0 });
    expect(first.usage).toHaveProperty('input_tokens');
    expect(typeof first.cost_usd).toBe('number');
    const threadId = (await d.api('GET', `/sessions/${session.id}`)).body.session.thread_ids.claude;
    expect(threadId).toMatch(/\S+/);

    const before = server.requests.length;
    const second = await turn(session.id, 'Respond with exactly: again');
    expect(second).toMatchObject({ state: 'completed', final_text: 'again' });
    const resumed = server.requests.slice(before).find((r) => r.userText.includes('again'))!;
    expect(JSON.stringify(resumed.body.messages)).toContain('Respond with exactly: hi');
    const events = (await d.api('GET', `/sessions/${session.id}/events?limit=1000`)).body.events;
    expect(events.filter((e: any) => e.type === 'run.process').map((e: any) => e.data.resumed_thread)).toEqual([null, threadId]);
    expect(events.filter((e: any) => e.type === 'run.item' && e.data.item.type === 'agent_message').map((e: any) => e.data.item.text)).toEqual(['hi', 'again']);
  });

  it('a tool call runs the command and its tool use and result reach the event log', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'claude', cwd: d.dir } })).body.session;
    const run = await turn(session.id, 'Run: echo tool-ran-42');
    expect(run).toMatchObject({ state: 'completed', final_text: 'done: tool-ran-42' });
    const items = (await d.api('GET', `/sessions/${session.id}/events?limit=1000`)).body.events
      .filter((e: any) => e.type === 'run.item')
      .map((e: any) => e.data.item);
    const use = items.find((i: any) => i.type === 'tool_use');
    expect(use).toMatchObject({ name: 'Bash', input: { command: 'echo tool-ran-42' } });
    const result = items.find((i: any) => i.type === 'tool_result');
    expect(result).toMatchObject({ tool_use_id: use.id, is_error: false });
    expect(result.text).toContain('tool-ran-42');
  });

  it('a model error fails the run with the reason', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'claude', cwd: d.dir } })).body.session;
    const run = await turn(session.id, 'Fail with: the model is on fire');
    expect(run.state).toBe('failed');
    expect(run.error).toContain('the model is on fire');
  });
});
