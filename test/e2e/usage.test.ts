/**
 * Usage from the real CLIs, run by agentd against the scripted model server (which reports 10
 * input and 5 output tokens per model request): codex's tokens priced with the price table
 * (estimated), claude's cost as claude reports it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/domain/prices.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CLAUDE_BIN, claudeEnv, CODEX_BIN, codexEnv, SCRIPTED_USAGE, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(async () => {
  await server?.close();
});

const turn = async (d: TestDaemon, sessionId: string, text: string) => {
  const run = (await d.api('POST', `/sessions/${sessionId}/messages`, { body: { text } })).body.run;
  return (await d.api('GET', `/runs/${run.id}/wait?timeout_s=90`)).body.run;
};

describe('codex (app-server)', () => {
  let cli: CliEnv;
  let d: TestDaemon;
  beforeAll(async () => {
    cli = await codexEnv(server);
    // A model the price table knows, so the tokens get an estimated cost.
    d = await startTestDaemon({
      agentEnv: cli.env,
      codex: { bin: CODEX_BIN, profile: null, extraArgs: ['--dangerously-bypass-approvals-and-sandbox', '-m', 'gpt-5'] },
    });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await cli?.cleanup();
  });

  it('records the tokens of every model request of the turn, the model, and an estimated cost', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'codex', cwd: d.dir } })).body.session;
    const plain = await turn(d, session.id, 'Respond with exactly: hi');
    expect(plain.state).toBe('completed');
    const one = { input_tokens: SCRIPTED_USAGE.input, cached_input_tokens: 0, output_tokens: SCRIPTED_USAGE.output };
    expect(plain.usage).toMatchObject({ ...one, reasoning_tokens: 0, total_tokens: 15, model: 'gpt-5', cost_source: 'estimated' });
    expect(plain.usage.cost_usd).toBe(estimateCost('gpt-5', one));
    expect(plain.usage.reported).toMatchObject({ input_tokens: 10, output_tokens: 5 });

    // A tool call is two model requests: twice the tokens.
    const tool = await turn(d, session.id, 'Run: echo counted');
    expect(tool.state).toBe('completed');
    const two = { input_tokens: 20, cached_input_tokens: 0, output_tokens: 10 };
    expect(tool.usage).toMatchObject({ ...two, total_tokens: 30, model: 'gpt-5' });
    expect(tool.usage.cost_usd).toBe(estimateCost('gpt-5', two));

    const report = (await d.api('GET', `/sessions/${session.id}`)).body;
    expect(report.usage.own).toMatchObject({ runs: 2, input_tokens: 30, output_tokens: 15, total_tokens: 45, estimated: true, runs_without_cost: 0 });
    expect(report.usage.own.cost_usd).toBeCloseTo(plain.usage.cost_usd + tool.usage.cost_usd, 12);
  });
});

describe('claude', () => {
  let cli: CliEnv;
  let d: TestDaemon;
  beforeAll(async () => {
    cli = await claudeEnv(server);
    d = await startTestDaemon({ agentEnv: cli.env, claude: { bin: CLAUDE_BIN, extraArgs: [] } });
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await cli?.cleanup();
  });

  it('records the tokens, the model and the cost claude reports', async () => {
    const session = (await d.api('POST', '/sessions', { body: { provider: 'claude', cwd: d.dir } })).body.session;
    const run = await turn(d, session.id, 'Respond with exactly: hi');
    expect(run.state).toBe('completed');
    expect(run.usage).toMatchObject({ input_tokens: 10, cached_input_tokens: 0, output_tokens: 5, total_tokens: 15, cost_source: 'reported' });
    expect(run.usage.model).toMatch(/^claude-/);
    expect(run.usage.cost_usd).toBeGreaterThan(0);
    expect(run.cost_usd).toBe(run.usage.cost_usd);
    // What claude's own result line said, verbatim.
    expect(run.usage.reported).toMatchObject({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0 });

    const all = (await d.api('GET', '/usage')).body;
    expect(all.totals).toMatchObject({ runs: 1, total_tokens: 15, estimated: false, runs_without_cost: 0, cost_usd: run.usage.cost_usd });
    expect(all.sessions.map((row: any) => row.session_id)).toEqual([session.id]);
  });
});
