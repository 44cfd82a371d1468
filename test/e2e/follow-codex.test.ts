import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { CODEX_BIN, codexEnv, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { agentctl } from '../support/processes.js';

/** `message send --follow` on a real codex turn: the command it ran, with its exit code, then its answer. */
describe('agentctl --follow with the real codex', () => {
  let server: ModelServer;
  let cli: CliEnv;
  let d: TestDaemon;
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    server = await startModelServer();
    cli = await codexEnv(server);
    d = await startTestDaemon({
      agentEnv: cli.env,
      codex: { bin: CODEX_BIN, profile: null, extraArgs: ['--dangerously-bypass-approvals-and-sandbox'] },
    });
    env = { PATH: process.env.PATH, AGENTCTL_URL: d.url };
  }, 60_000);
  afterAll(async () => {
    await d?.close();
    await server?.close();
    await cli?.cleanup();
  });

  const follow = async (text: string) => {
    const session = (await agentctl(['--field', 'session.id', 'session', 'create', '--provider', 'codex', '--cwd', d.dir], env)).stdout.trim();
    return agentctl(['message', 'send', '--session-id', session, '--text', text, '--follow'], env);
  };

  it('prints each command with its exit code, then the answer, and exits 0', async () => {
    const ok = await follow('Run: echo tool-ran-42');
    expect(ok.code).toBe(0);
    // The answer (the model's text: "done: " and the tool output codex gave it) comes after the command.
    expect(ok.stdout).toMatch(/\n\$ [^\n]*echo tool-ran-42[^\n]*\n {2}exit 0\ndone: [\s\S]*tool-ran-42\n$/);

    const failing = await follow('Run: exit 3');
    expect(failing.code).toBe(0);
    expect(failing.stdout).toMatch(/\n\$ [^\n]*exit 3[^\n]*\n {2}exit 3\n/);
    expect(failing.stderr).toMatch(/^run run_\w+ completed in /);
  });

  it('a turn that fails exits 1 with the reason', async () => {
    const r = await follow('Fail with: the model is on fire');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^run run_\w+ failed in [^:]+: .*the model is on fire/m);
  });
});
