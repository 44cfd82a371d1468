/**
 * approval: an agent asks → `request.created` reaches a stream client → it POSTs the answer → the
 * agent reads the decision. Timed by the agent (command provider, jsonl), against the same agent
 * whose asks a bare parent process answers over the pipe at once.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { informational, type BenchRow, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { jsonClient } from './support/http.js';
import { FIXTURES, scratchDir } from './support/repo.js';
import { nowMs, percentile } from './support/stats.js';
import { watchStream, wsUrl } from './support/stream-watch.js';

const AGENT = join(FIXTURES, 'approval-agent.mjs');

const roundsOf = (finalText: string | null): number[] => (JSON.parse(finalText ?? '{}') as { rounds?: number[] }).rounds ?? [];

/** The reference: the agent's asks answered by its parent over the pipe, nothing between. */
function rawRounds(count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = createInterface({ input: child.stdout });
    let last = '';
    out.on('line', (line) => {
      last = line;
      const msg = JSON.parse(line) as { type?: string; id?: string };
      if (msg.type === 'approval_request') child.stdin.write(`${JSON.stringify({ type: 'approval', id: msg.id, decision: 'approve', message: null })}\n`);
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(roundsOf(last)) : reject(new Error(`raw agent exited ${code}`))));
    child.stdin.write(`${JSON.stringify({ type: 'prompt', text: String(count) })}\n`);
  });
}

export const benchmark: Benchmark = {
  name: 'approval',
  description: 'agent asks → request.created on a stream → answer POSTed → agent has the decision, vs a bare pipe round trip',
  sizes: {
    rounds: { default: 200, quick: 5, description: 'approvals asked and answered, one after another' },
    warmup: { default: 20, quick: 2, description: 'rounds before those counted (JIT, connections)' },
  },
  async run({ sizes, log }) {
    const total = sizes.rounds! + sizes.warmup!;
    const dir = scratchDir('approval');
    const daemon = await startAgentd([
      '--db', join(dir.path, 'agentd.db'), '--default-provider', 'command', '--command-bin', process.execPath,
      '--command-arg', AGENT, '--command-protocol', 'jsonl',
    ]);
    const api = jsonClient(daemon.url);
    try {
      const { session } = await api.post('/sessions', { title: 'approval' });
      const watch = await watchStream(wsUrl(daemon.url, `/sessions/${session.id}/stream`));
      // The client's own part of each round: from the event's arrival to sending the answer.
      const clientMs: number[] = [];
      const asked = () => watch.next((e) => e.type === 'request.created');
      const answerAll = async () => {
        let next = asked();
        while (clientMs.length < total) {
          const { event, at } = await next;
          // Waiting for the next ask starts before this answer can cause it.
          next = asked();
          clientMs.push(nowMs() - at);
          await api.post(`/requests/${event.data.request.id}/approve`, {});
        }
        next.catch(() => {});
      };
      let run;
      try {
        const answering = answerAll();
        const ended = watch.next((e) => e.type === 'run.completed' || e.type === 'run.failed');
        run = (await api.post(`/sessions/${session.id}/messages`, { text: String(total) })).run;
        await Promise.all([answering, ended]);
      } finally {
        watch.close();
      }
      const done = (await api.get(`/runs/${run.id}`)).run;
      if (done.state !== 'completed') throw new Error(`the asking run ended ${done.state}: ${done.error}`);
      const rounds = roundsOf(done.final_text).slice(sizes.warmup);
      const gateway = rounds.map((ms, i) => ms - clientMs[i + sizes.warmup!]!);
      const raw = (await rawRounds(total)).slice(sizes.warmup);
      const [p50, p99, rawP50, rawP99] = [percentile(gateway, 50), percentile(gateway, 99), percentile(raw, 50), percentile(raw, 99)];
      log(`gateway share p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (bare pipe ${rawP50.toFixed(3)} / ${rawP99.toFixed(3)} ms)`);
      const rows: BenchRow[] = [
        { measure: 'ask → decision, gateway share p50', project: p50, raw: rawP50, unit: 'ms', ratio: p50 / rawP50, goal: '≤ raw + 5 ms', pass: p50 <= rawP50 + 5 },
        informational('ask → decision, gateway share p99', 'ms', p99, rawP99),
        informational('ask → decision, whole round p50', 'ms', percentile(rounds, 50), rawP50),
      ];
      return rows;
    } finally {
      api.close();
      await daemon.stop();
      dir.remove();
    }
  },
};
