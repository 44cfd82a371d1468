/**
 * codex-turn: the latency of a trivial turn of the REAL codex against the scripted model server,
 * through agentd (message POST → run completed) versus `codex exec --json` spawned directly, the
 * two alternated; the same for a later turn of a conversation (`codex exec resume`). agentd starts
 * the native binary behind the npm `codex` script, so `codex exec` of that binary is shown too.
 * For context, the same turn over `codex app-server` (npm script) without a daemon: a cold process
 * per turn, and a running one taking turn after turn (what keeping it alive would give).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { launchEnv, nativeCodex } from '../src/providers/codex/native-bin.js';
import { codexEnv, startModelServer, type CliEnv, type ModelServer } from '../test/support/model-server.js';
import { atMostRatio, informational, type Benchmark } from './harness.js';
import { startAgentd, type AgentdProcess } from './support/agentd.js';
import { jsonClient, type JsonClient } from './support/http.js';
import { REPO_ROOT, scratchDir } from './support/repo.js';
import { median, nowMs } from './support/stats.js';

const CODEX_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'codex');
const PROMPT = 'Respond with exactly: ok';

/**
 * `codex exec --json` (or `codex exec resume <thread>`) from spawn to exit; fails unless it exits 0
 * having answered. Resolves with the time and the thread id.
 */
function execTurn(env: Record<string, string>, cwd: string, resume?: string, bin = CODEX_BIN): Promise<{ ms: number; threadId: string }> {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const args = ['exec', ...(resume ? ['resume', resume] : []), '--json', '--skip-git-repo-check', PROMPT];
    const child = spawn(bin, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = nowMs() - start;
      const threadId = /"thread_id":"([^"]+)"/.exec(out)?.[1];
      if (code === 0 && out.includes('"turn.completed"') && threadId) resolve({ ms, threadId });
      else reject(new Error(`codex exec exited ${code}: ${out.slice(-500)}`));
    });
  });
}

/** One turn through agentd on a new session: POST the message, then the run's event-driven wait. */
async function agentdTurn(api: JsonClient, cwd: string, sessionId?: string): Promise<{ ms: number; sessionId: string }> {
  const id = sessionId ?? (await api.post('/sessions', { provider: 'codex', cwd })).session.id;
  const start = nowMs();
  const { run } = await api.post(`/sessions/${id}/messages`, { text: PROMPT });
  const done = (await api.get(`/runs/${run.id}/wait?timeout_s=120`)).run;
  const ms = nowMs() - start;
  if (done.state !== 'completed') throw new Error(`agentd codex run ${done.state}: ${done.error}`);
  return { ms, sessionId: id };
}

/**
 * A bare JSON-RPC client for `codex app-server`: handshake and thread once, then `turns` turns,
 * each timed from turn/start to turn/completed. The first includes the process start.
 */
async function appServerTurns(env: Record<string, string>, cwd: string, turns: number): Promise<{ cold: number; warm: number[] }> {
  const start = nowMs();
  const child = spawn(CODEX_BIN, ['app-server'], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stderr.resume();
  let buffer = '';
  let nextId = 1;
  const waiting = new Map<string, (msg: any) => void>();
  const send = (msg: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
  const awaitKey = (key: string) => new Promise<any>((resolve) => waiting.set(key, resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (buffer + chunk).split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const msg = JSON.parse(line);
      const key = msg.method === 'turn/completed' ? 'turn/completed' : msg.method === undefined ? `id:${msg.id}` : null;
      if (key) waiting.get(key)?.(msg);
    }
  });
  const request = (method: string, params: object) => {
    const id = nextId++;
    const answer = awaitKey(`id:${id}`);
    send({ id, method, params });
    return answer;
  };
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await request('initialize', { clientInfo: { name: 'bench', title: null, version: '0' }, capabilities: null });
    send({ method: 'initialized' });
    const threadId = (await request('thread/start', { cwd, approvalPolicy: 'on-request', sandbox: 'workspace-write' })).result.thread.id;
    const turn = async () => {
      const completed = awaitKey('turn/completed');
      await request('turn/start', { threadId, input: [{ type: 'text', text: PROMPT, text_elements: [] }] });
      const msg = await completed;
      if (msg.params.turn.status !== 'completed') throw new Error(`app-server turn ${msg.params.turn.status}`);
    };
    await turn();
    const cold = nowMs() - start;
    const warm: number[] = [];
    for (let i = 0; i < turns; i++) {
      const t = nowMs();
      await turn();
      warm.push(nowMs() - t);
    }
    return { cold, warm };
  } finally {
    child.stdin.end();
    await exited;
  }
}

export const benchmark: Benchmark = {
  name: 'codex-turn',
  description: 'a trivial real-codex turn through agentd vs `codex exec --json` run directly',
  sizes: {
    turns: { default: 10, quick: 1, description: 'turns of each kind (alternating)' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('codex-turn');
    let server: ModelServer | undefined;
    let cli: CliEnv | undefined;
    let daemon: AgentdProcess | undefined;
    let api: JsonClient | undefined;
    try {
      server = await startModelServer();
      cli = await codexEnv(server);
      daemon = await startAgentd(['--db', join(dir.path, 'agentd.db'), '--codex-bin', CODEX_BIN], cli.env);
      api = jsonClient(daemon.url);
      // One of each first: codex's first start in a fresh home writes caches neither side should pay.
      const { threadId } = await execTurn(cli.env, dir.path);
      const { sessionId } = await agentdTurn(api, dir.path);

      const viaAgentd: number[] = [];
      const direct: number[] = [];
      const resumed: number[] = [];
      const directResumed: number[] = [];
      const directNative: number[] = [];
      const cold: number[] = [];
      // agentd starts the binary behind the npm script (native-bin.ts); the same for bare exec.
      const native = nativeCodex(CODEX_BIN, undefined);
      if (!native) throw new Error(`no native codex found behind ${CODEX_BIN}`);
      const nativeEnv = launchEnv(cli.env, native) as Record<string, string>;
      for (let i = 0; i < sizes.turns!; i++) {
        direct.push((await execTurn(cli.env, dir.path)).ms);
        directNative.push((await execTurn(nativeEnv, dir.path, undefined, native.file)).ms);
        viaAgentd.push((await agentdTurn(api, dir.path)).ms);
        directResumed.push((await execTurn(cli.env, dir.path, threadId)).ms);
        resumed.push((await agentdTurn(api, dir.path, sessionId)).ms);
        cold.push((await appServerTurns(cli.env, dir.path, 0)).cold);
      }
      const { warm } = await appServerTurns(cli.env, dir.path, sizes.turns!);
      log(`new thread: through agentd ${median(viaAgentd).toFixed(0)} ms, codex exec ${median(direct).toFixed(0)} ms (native ${median(directNative).toFixed(0)} ms); ` +
        `resumed: through agentd ${median(resumed).toFixed(0)} ms, codex exec resume ${median(directResumed).toFixed(0)} ms; ` +
        `app-server cold ${median(cold).toFixed(0)} ms, running ${median(warm).toFixed(0)} ms`);
      return [
        atMostRatio('turn through agentd, new session, median', 'ms', median(viaAgentd), median(direct), 1),
        informational('the same, raw: exec of the native binary, median', 'ms', median(viaAgentd), median(directNative)),
        informational('turn through agentd, resumed session (raw: exec resume), median', 'ms', median(resumed), median(directResumed)),
        informational('app-server without agentd, cold process per turn, median', 'ms', median(cold), median(direct)),
        informational('app-server without agentd, running process, next turn, median', 'ms', median(warm), median(direct)),
      ];
    } finally {
      api?.close();
      await daemon?.stop();
      await server?.close();
      await cli?.cleanup();
      dir.remove();
    }
  },
};
