/**
 * supervisor (issue 19): what running agents under supervisors costs and how fast a restarted
 * agentd takes its runs back.
 *
 * - ingest through the supervisor: events/s from an agent's stdout to a subscriber with agents under
 *   supervisors (the default) against the same agentd with `--no-supervisor` (a plain pipe), as a ratio.
 * - re-attach: `runs` agents are started, agentd is killed with SIGKILL, the agents print `lines` lines
 *   between them into their spools, and a new agentd is started: the time from its spawn until every
 *   spooled line has reached a subscriber as an event, against the start of an agentd with no run to
 *   take back (a fresh database, measured in the same run).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spoolRoot } from '../src/supervisor/spool.js';
import { stopSupervisedRuns } from '../src/supervisor/stop-all.js';
import { atLeastRatio, informational, type Benchmark } from './harness.js';
import { measureAgentd } from './ingest.js';
import { startAgentd } from './support/agentd.js';
import { jsonClient } from './support/http.js';
import { FIXTURES, scratchDir } from './support/repo.js';
import { nowMs } from './support/stats.js';
import { watchStream, wsUrl, type StreamWatch } from './support/stream-watch.js';

const agentFlags = ['--default-provider', 'command', '--command-bin', process.execPath, '--command-arg', join(FIXTURES, 'spool-lines.mjs')];

/** Polls (nothing announces it: no daemon runs) until every run's spool holds its last line. */
async function spooled(db: string, runs: number): Promise<void> {
  const root = spoolRoot(db);
  for (;;) {
    const done = readdirSync(root).filter((dir) =>
      readdirSync(join(root, dir)).filter((n) => n.endsWith('.spool')).some((n) => readFileSync(join(root, dir, n), 'utf8').includes('"printed"')));
    if (done.length >= runs) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function measureReattach(dir: string, runs: number, lines: number, log: (m: string) => void): Promise<{ reattachMs: number; coldStartMs: number }> {
  const db = join(dir, 'agentd.db');
  const go = join(dir, 'go');
  const end = join(dir, 'end');
  const perRun = Math.ceil(lines / runs);
  try {
    const first = await startAgentd(['--db', db, '--max-concurrency', String(runs), ...agentFlags]);
    const sessions: string[] = [];
    const api = jsonClient(first.url);
    try {
      for (let i = 0; i < runs; i++) {
        const { session } = await api.post('/sessions', { title: `reattach ${i}` });
        const watch = await watchStream(wsUrl(first.url, `/sessions/${session.id}/stream`));
        const ready = watch.next((e) => e.type === 'run.item' && e.data.item?.text === 'ready');
        await api.post(`/sessions/${session.id}/messages`, { text: `${perRun} ${go} ${end}` });
        await ready;
        watch.close();
        sessions.push(session.id);
      }
    } finally {
      api.close();
    }
    await first.kill9();
    writeFileSync(go, '');
    await spooled(db, runs);

    const start = nowMs();
    const second = await startAgentd(['--db', db, '--max-concurrency', String(runs), ...agentFlags]);
    const watches: StreamWatch[] = [];
    let reattachMs: number;
    try {
      // From the start of each session's log: every spooled line arrives as an event once caught up.
      const caughtUp = [];
      for (const session of sessions) {
        const watch = await watchStream(wsUrl(second.url, `/sessions/${session}/stream`));
        watches.push(watch);
        caughtUp.push(watch.next((e) => e.type === 'run.item' && e.data.item?.text === 'printed'));
      }
      const arrivals = await Promise.all(caughtUp);
      reattachMs = Math.max(...arrivals.map((a) => a.at)) - start;
      log(`re-attached ${runs} runs and caught up on ${perRun * runs} spooled lines in ${reattachMs.toFixed(0)} ms`);
      // The agents may end now; those still running when agentd stops are stopped in `finally`.
      writeFileSync(end, '');
    } finally {
      for (const watch of watches) watch.close();
      await second.stop();
    }

    // The reference: an agentd start with nothing to take back.
    mkdirSync(join(dir, 'cold'), { recursive: true });
    const coldStart = nowMs();
    const third = await startAgentd(['--db', join(dir, 'cold', 'agentd.db'), ...agentFlags]);
    const coldStartMs = nowMs() - coldStart;
    await third.stop();
    return { reattachMs, coldStartMs };
  } finally {
    await stopSupervisedRuns(spoolRoot(db), 'the benchmark is over', 10_000);
  }
}

export const benchmark: Benchmark = {
  name: 'supervisor',
  description: 'ingest through a supervisor vs a plain pipe; re-attach after a SIGKILL of agentd with spooled output behind vs a cold start',
  sizes: {
    items: { default: 200_000, quick: 2_000, description: 'JSONL items the ingest agent prints' },
    runs: { default: 4, quick: 4, description: 'agents running when agentd is killed' },
    lines: { default: 10_000, quick: 2_000, description: 'lines they print, between them, while no agentd runs' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('supervisor');
    try {
      mkdirSync(join(dir.path, 'supervised'));
      mkdirSync(join(dir.path, 'pipe'));
      const supervised = await measureAgentd(join(dir.path, 'supervised'), sizes.items!, log);
      const pipe = await measureAgentd(join(dir.path, 'pipe'), sizes.items!, log, ['--no-supervisor']);
      mkdirSync(join(dir.path, 'reattach'));
      const { reattachMs, coldStartMs } = await measureReattach(join(dir.path, 'reattach'), sizes.runs!, sizes.lines!, log);
      return [
        atLeastRatio('ingest through the supervisor', 'events/s', supervised, pipe, 0.5),
        informational(`re-attach ${sizes.runs} runs, ${sizes.lines} lines behind`, 'ms', reattachMs, coldStartMs),
      ];
    } finally {
      dir.remove();
    }
  },
};
