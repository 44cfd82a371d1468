import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command'];

/**
 * Kill agentd with SIGKILL at points around a child's end; after a restart the parent has exactly
 * one child.completed for every child run that ended — never zero, never two.
 */
describe('child.completed is announced exactly once across crashes', () => {
  let dir: string;
  let daemon: AgentdProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-announce-'));
  });
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => (daemon = await startAgentd(['--db', join(dir, 'db.sqlite'), ...agentFlags]));
  const json = async (args: string[]) => {
    const r = await agentctl(['--url', daemon!.url, '--format', 'json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  const waitRun = (runId: string) => json(['run', 'wait', '--run-id', runId, '--timeout-s', '30']).catch(() => null);
  /** Resolves once the child's agent process is spawned: its `run.process` event, awaited on a stream. */
  const processStarted = async (child: any) => {
    const stream = await openWs(`${daemon!.url}/sessions/${child.session.id}/stream`);
    try {
      await stream.waitFor((f) => f.type === 'run.process' && f.run_id === child.run.id);
    } finally {
      stream.close();
    }
  };

  // Each point: what the child does, and what happens before the kill.
  const points: { name: string; task: (release: string) => string; beforeKill: (child: any, release: string) => Promise<void> }[] = [
    { name: 'child queued, not yet started', task: () => 'echo queued-child', beforeKill: async () => {} },
    {
      name: 'child running',
      task: (release) => `wait-file ${release}`,
      beforeKill: processStarted,
    },
    {
      name: 'child process exiting at the moment of the kill',
      task: (release) => `wait-file ${release}`,
      beforeKill: async (child, release) => {
        await processStarted(child);
        writeFileSync(release, 'go');
      },
    },
    {
      name: 'child just completed',
      task: () => 'echo done-child',
      beforeKill: async (child) => {
        await waitRun(child.run.id);
      },
    },
  ];

  for (const [i, point] of points.entries()) {
    it(`kill point: ${point.name}`, async () => {
      await start();
      const parent = (await json(['session', 'create'])).session;
      const parentRun = (await json(['message', 'send', '--session-id', parent.id, '--text', 'echo parent'])).run;
      await waitRun(parentRun.id);
      const release = join(dir, `release-${i}`);
      const child = await json(['tool', 'session-spawn', '--parent-run-id', parentRun.id, '--task', point.task(release)]);
      await point.beforeKill(child, release);
      await daemon!.kill9();

      await start();
      await waitRun(child.run.id);
      const final = (await json(['run', 'get', '--run-id', child.run.id])).run;
      const events = (await json(['events', 'list', '--session-id', parent.id, '--limit', '1000'])).events;
      expect(['completed', 'failed']).toContain(final.state);
      const announced = events.filter((e: any) => e.type === 'child.completed' && e.data.child_run_id === child.run.id);
      expect(announced).toHaveLength(1);
      expect(announced[0].data.state).toBe(final.state);
      await daemon!.stop();
    });
  }
});
