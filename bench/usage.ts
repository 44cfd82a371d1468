/**
 * usage: what totals cost once many runs recorded usage — the daemon-wide total (`daemon
 * status`, `agentctl usage`) and a session tree's total (asked before every new run of a session
 * with a budget) — against the plainest SQL over the same rows.
 */
import { join } from 'node:path';
import { newId } from '../src/domain/ids.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { atMostRatio, informational, type BenchRow, type Benchmark } from './harness.js';
import { scratchDir } from './support/repo.js';
import { median, nowMs } from './support/stats.js';

const SAMPLES = 15;

/** `sessions` root sessions with `children` children each, every session with `runs` ended runs that recorded usage. */
async function seed(store: SqliteStore, sessions: number, children: number, runs: number): Promise<string[]> {
  const roots: string[] = [];
  const insert = store.db.prepare(`INSERT INTO runs (id, session_id, state, provider, prompt, created_at, updated_at, ended_at,
    input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, usage_model, cost_usd, cost_source)
    VALUES (?, ?, 'completed', 'codex', 'p', ?, ?, ?, 1000, 200, 300, 50, 'gpt-5', 0.004, 'estimated')`);
  for (let i = 0; i < sessions; i++) {
    const root = await store.createSession({ title: `s${i}`, provider: 'codex', cwd: '/', owner: 'local' });
    roots.push(root.id);
    const tree = [root.id];
    for (let c = 0; c < children; c++) {
      tree.push((await store.createSession({ title: null, provider: 'codex', cwd: '/', owner: 'local', parent_session_id: root.id })).id);
    }
    store.db.transaction(() => {
      for (const sessionId of tree) {
        for (let r = 0; r < runs; r++) {
          const ts = new Date(Date.UTC(2026, 0, 1) + (i * runs + r) * 1000).toISOString();
          insert.run(newId('run'), sessionId, ts, ts, ts);
        }
      }
    })();
  }
  return roots;
}

function timed(fn: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = nowMs();
    fn();
    samples.push(nowMs() - start);
  }
  return median(samples);
}

async function timedAsync(fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = nowMs();
    await fn();
    samples.push(nowMs() - start);
  }
  return median(samples);
}

export const benchmark: Benchmark = {
  name: 'usage',
  description: 'ms to total usage over every run and over one session tree, vs a plain SUM over the same rows',
  sizes: {
    sessions: { default: 2_000, quick: 20, description: 'root sessions, each with 4 children' },
    runs: { default: 10, quick: 2, description: 'runs with usage per session' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('usage');
    const store = new SqliteStore(join(dir.path, 'agentd.db'));
    try {
      const roots = await seed(store, sizes.sessions!, 4, sizes.runs!);
      const total = (store.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
      const rawAll = store.db.prepare('SELECT count(*), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens), sum(cost_usd) FROM runs');
      const rawOne = store.db.prepare('SELECT count(*), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens), sum(cost_usd) FROM runs WHERE session_id = ?');
      const root = roots[Math.floor(roots.length / 2)]!;
      const all = await timedAsync(() => store.usageTotals({}));
      const allRaw = timed(() => rawAll.get());
      const tree = await timedAsync(() => store.usageTotals({ sessionTree: root }));
      const oneRaw = timed(() => rawOne.get(root));
      const bySession = await timedAsync(() => store.usageBySession({ owner: 'local' }, 100));
      log(`${total} runs: all ${all.toFixed(2)} ms (raw ${allRaw.toFixed(2)}), one tree of 5 sessions ${tree.toFixed(3)} ms (raw one session ${oneRaw.toFixed(3)}), top 100 sessions ${bySession.toFixed(1)} ms`);
      return [
        atMostRatio(`daemon total over ${total} runs`, 'ms', all, allRaw, 2),
        atMostRatio('one session tree (5 sessions), the budget check', 'ms', tree, oneRaw, 10),
        informational('per-session rows, top 100 (agentctl usage)', 'ms', bySession, allRaw),
      ];
    } finally {
      await store.close();
      dir.remove();
    }
  },
};
