/** The printed form of a chaos run: the five counts first, then the totals that give them weight. */
import type { ChaosReport } from './run.js';

export function formatReport(r: ChaosReport): string {
  const t = r.totals;
  const states = Object.entries(t.runStates).map(([state, n]) => `${n} ${state}`).join(', ') || 'none';
  const rows: [string, number][] = [
    ['acknowledged messages lost', r.counts.lostAcknowledged],
    ['duplicate runs (two runs for one key)', r.counts.duplicateRuns],
    ['runs left stuck', r.counts.stuckRuns],
    ['stream gaps', r.counts.streamGaps],
    ['stream duplicates', r.counts.streamDuplicates],
    ['stream events unlike the stored ones', r.streamMismatches],
    ['answered cancels not kept', r.cancelsNotKept],
    ['agent processes left alive', r.agentsLeft.length],
  ];
  const lines = [
    `chaos: mode ${r.mode}, seed ${r.seed}`,
    ...rows.map(([label, n]) => `  ${label.padEnd(40)} ${n}`),
    '',
    `  kills ${t.kills}, sessions ${t.sessions}, messages acknowledged ${t.messages} (POSTs repeated ${t.retries}; acknowledged by replaying an answer a kill cut off: ${t.replayed})`,
    `  POSTs repeated because: ${Object.entries(t.retryReasons).map(([why, n]) => `${why} ${n}`).join(', ') || 'none needed'}`,
    `  runs ${t.runs} (${states}); cancels answered ${t.cancels}`,
    `  events stored ${t.events}; ${t.streams} streams received ${t.received} (reconnects ${t.reconnects}, overflows ${t.overflows})`,
    `  final agentd exit code ${t.finalExitCode}; ${t.seconds} s`,
  ];
  if (r.errors.length) lines.push('', 'errors:', ...r.errors.map((e) => `  ${e}`));
  if (r.details.length) lines.push('', 'first findings:', ...r.details.map((d) => `  ${d}`));
  if (r.agentsLeft.length) lines.push('', `agent pids left: ${r.agentsLeft.join(' ')}`);
  if (r.dataDir) lines.push('', `kept ${r.dataDir} (database and the log of every daemon)`);
  lines.push('', r.passed ? 'PASS' : `FAIL — repeat with: npm run chaos -- --mode ${r.mode} --seed ${r.seed} --kills ${t.kills}`);
  return lines.join('\n');
}
