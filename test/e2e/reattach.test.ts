/**
 * Runs that outlive the daemon (issue 19) with the REAL codex (app-server) and claude (stream-json)
 * against the scripted model server: agentd is killed with SIGKILL in the middle of a turn whose
 * tool call waits for a file, and a new agentd picks the turn up where it was.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/runtime/process-tree.js';
import { CLAUDE_BIN, claudeEnv, CODEX_BIN, codexEnv, defaultResponder, startModelServer, type CliEnv, type ModelServer } from '../support/model-server.js';
import { startAgentd, type AgentdProcess } from '../support/processes.js';
import { openWs } from '../support/stream-clients.js';
import { spoolDirs, stopLeftRuns } from '../support/supervisors.js';
import { waitUntil } from '../support/wait.js';

/**
 * A shell command that says it started (a file: claude may run a command unasked, so no approval
 * marks the moment), waits for `go` in its directory, then prints a marker (also kept in a file).
 */
const WAITING = 'touch waiting; while [ ! -e go ]; do sleep 0.1; done; echo released-42 | tee released';
/** What the model runs when codex hands back a command still running (below). */
const AWAIT_RELEASE = 'while [ ! -e released ]; do sleep 0.1; done; cat released';

/**
 * A prompt starting with "Run: " is always a tool call running the rest. codex hands a command back
 * to the model after 10 s (at most 30 s) with "Process running with session ID …", and a restart on
 * a busy machine can take longer than that: the model then waits for the marker in a new call.
 */
const runPrefix = (req: Parameters<typeof defaultResponder>[0]) => {
  if (req.toolOutput?.includes('Process running with session ID')) return { kind: 'tool' as const, command: AWAIT_RELEASE };
  return !req.toolOutput && req.userText.startsWith('Run: ') ? { kind: 'tool' as const, command: req.userText.slice(5) } : defaultResponder(req);
};
/** The model's final text: `done: <tool output>` (codex puts a header of its own before the output). */
const RELEASED = expect.stringMatching(/^done: (?:[\s\S]*\n)?released-42$/);

const CLIS = [
  { name: 'codex', bin: CODEX_BIN, env: codexEnv },
  { name: 'claude', bin: CLAUDE_BIN, env: claudeEnv },
] as const;

for (const agent of CLIS) {
  describe(`${agent.name} outlives a killed agentd`, () => {
    let server: ModelServer;
    let cli: CliEnv;
    let dir: string | undefined;
    let db: string;
    let procs: AgentdProcess[] = [];
    beforeAll(async () => {
      server = await startModelServer({ responder: runPrefix });
      cli = await agent.env(server);
    });
    afterAll(async () => {
      await server?.close();
      await cli?.cleanup();
    });
    afterEach(async () => {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.kill9();
      procs = [];
      if (dir) {
        await stopLeftRuns(db);
        rmSync(dir, { recursive: true, force: true });
      }
      dir = undefined;
    });

    const start = async (policy: string) => {
      dir ??= mkdtempSync(join(tmpdir(), `agentd-reattach-${agent.name}-`));
      db = join(dir, 'agentd.db');
      const p = await startAgentd(['--db', db, '--default-provider', agent.name, `--${agent.name}-bin`, agent.bin, '--approval-policy', policy], cli.env);
      procs.push(p);
      return p;
    };
    const api = async (p: AgentdProcess, method: string, path: string, body?: unknown) => {
      const res = await fetch(p.url + path, {
        method,
        headers: body === undefined && method === 'GET' ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    /** A session in a fresh directory, its first message, and its stream watched from the start. */
    const turn = async (p: AgentdProcess, text: string) => {
      const cwd = mkdtempSync(join(dir!, 'cwd-'));
      const session = (await api(p, 'POST', '/sessions', { cwd })).session.id as string;
      const stream = await openWs(`${p.url}/sessions/${session}/stream`);
      const before = server.requests.length;
      const run = (await api(p, 'POST', `/sessions/${session}/messages`, { text })).run.id as string;
      return { cwd, session, run, stream, before };
    };
    /** The run's non-delta items, each (id, phase) once; deltas are text pieces, checked through the final text. */
    const itemsOnce = (events: any[], runId: string) => {
      const items = events.filter((e) => e.run_id === runId && e.type === 'run.item' && e.data.phase !== 'delta');
      const keys = items.map((e) => `${e.data.item.id}/${e.data.phase}/${JSON.stringify(e.data.item)}`);
      expect(new Set(keys).size).toBe(keys.length);
      return items;
    };
    /** How many approvals the run's log shows; each request event appears once per approval. */
    const requestsOnce = (events: any[]) => {
      const keys = events.filter((e) => e.type.startsWith('request.')).map((e) => `${e.type}/${e.data.request.id}`);
      expect(new Set(keys).size).toBe(keys.length);
      return new Set(events.filter((e) => e.type.startsWith('request.')).map((e) => e.data.request.id)).size;
    };
    const events = async (p: AgentdProcess, session: string) => (await api(p, 'GET', `/sessions/${session}/events?limit=1000`)).events as any[];
    const supervisorOf = async (p: AgentdProcess, run: string) => (await api(p, 'GET', `/runs/${run}/diagnose`)).diagnostics.supervisor.pid as number;

    it('kill -9 in the middle of a tool call: the next agentd re-attaches; the run completes with every item once and the right final text', async () => {
      const first = await start('auto');
      const t = await turn(first, `Run: ${WAITING}`);
      await waitUntil('the tool call runs, waiting for its file', () => existsSync(join(t.cwd, 'waiting')), { timeoutMs: 90_000 });
      t.stream.close();
      const supervisor = await supervisorOf(first, t.run);
      const agentPid = (await api(first, 'GET', `/runs/${t.run}`)).run.pid as number;
      await first.kill9();
      expect(isProcessAlive(agentPid)).toBe(true);

      const second = await start('auto');
      const again = await openWs(`${second.url}/sessions/${t.session}/stream`);
      await again.waitFor((f) => f.type === 'run.reattached');
      again.close();
      writeFileSync(join(t.cwd, 'go'), '');
      const done = (await api(second, 'GET', `/runs/${t.run}/wait?timeout_s=90`)).run;
      expect(done).toMatchObject({ state: 'completed', final_text: RELEASED });
      const log = await events(second, t.session);
      const items = itemsOnce(log, t.run);
      expect(items.filter((e) => e.data.phase === 'completed' && JSON.stringify(e.data.item).includes('released-42')).length).toBeGreaterThan(0);
      requestsOnce(log);
      expect(log.filter((e) => e.type === 'run.reattached')).toHaveLength(1);
      // The agent carried on its turn: the model saw the tool call once and its output once.
      const turnRequests = server.requests.slice(t.before);
      expect(turnRequests.filter((r) => r.toolOutput?.includes('released-42'))).toHaveLength(1);
      await waitUntil('the supervisor exits with its run', () => !isProcessAlive(supervisor));
      await waitUntil('the run\'s spool is removed', () => spoolDirs(db).length === 0);
    });

    it('the daemon down for longer than the turn: the run is found finished, from its spool and exit status', async () => {
      const first = await start('auto');
      const t = await turn(first, `Run: ${WAITING}`);
      await waitUntil('the tool call runs, waiting for its file', () => existsSync(join(t.cwd, 'waiting')), { timeoutMs: 90_000 });
      t.stream.close();
      const supervisor = await supervisorOf(first, t.run);
      await first.kill9();
      writeFileSync(join(t.cwd, 'go'), '');
      await waitUntil('the turn ends while no daemon runs, and its supervisor with it', () => !isProcessAlive(supervisor), { timeoutMs: 90_000 });

      const second = await start('auto');
      const done = (await api(second, 'GET', `/runs/${t.run}/wait?timeout_s=60`)).run;
      expect(done).toMatchObject({ state: 'completed', final_text: RELEASED, exit_code: 0 });
      const log = await events(second, t.session);
      itemsOnce(log, t.run);
      expect(log.find((e) => e.type === 'run.reattached').data).toMatchObject({ supervisor_alive: false });
      expect(log.filter((e) => e.type === 'message.created' && e.data.message.role === 'assistant').map((e) => e.data.message.text)).toEqual([RELEASED]);
      await waitUntil('the run\'s spool is removed', () => spoolDirs(db).length === 0);
    });

    it('kill -9 while an approval is open; restart; approve; the command runs', async () => {
      const first = await start('ask');
      const t = await turn(first, 'Run: echo approved-after-crash > effect.txt');
      const asked = (await t.stream.waitFor((f) => f.type === 'request.created' && f.data.request.run_id === t.run)).data.request;
      t.stream.close();
      const agentPid = (await api(first, 'GET', `/runs/${t.run}`)).run.pid as number;
      const supervisor = await supervisorOf(first, t.run);
      await first.kill9();
      expect(isProcessAlive(agentPid)).toBe(true);

      const second = await start('ask');
      expect((await api(second, 'GET', `/requests/${asked.id}`)).request.state).toBe('open');
      expect((await api(second, 'GET', `/runs/${t.run}/diagnose`)).diagnostics.waiting_for_approval.request_id).toBe(asked.id);
      expect((await api(second, 'POST', `/requests/${asked.id}/approve`, {})).request.state).toBe('answered');
      const done = (await api(second, 'GET', `/runs/${t.run}/wait?timeout_s=90`)).run;
      expect(done.state).toBe('completed');
      expect(readFileSync(join(t.cwd, 'effect.txt'), 'utf8')).toBe('approved-after-crash\n');
      const log = await events(second, t.session);
      itemsOnce(log, t.run);
      expect(log.filter((e) => e.type === 'request.created')).toHaveLength(1);
      await waitUntil('the supervisor exits with its run', () => !isProcessAlive(supervisor));
      await waitUntil('the run\'s spool is removed', () => spoolDirs(db).length === 0);
    });
  });
}
