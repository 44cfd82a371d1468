/** `agentctl usage`: what the agents cost, per session and in total (issue 17). */
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { withExamples } from '../help.js';
import { positiveInt, sinceTime } from '../parse.js';
import { n, usd } from '../human.js';
import type { UsageReport } from '../../client/http-client.js';

function cost(row: { cost_usd: number; estimated: boolean; runs_without_cost: number }): string {
  return `${usd(row.cost_usd)}${row.estimated ? '~' : ''}${row.runs_without_cost > 0 ? '+?' : ''}`;
}

function table(r: UsageReport): string {
  const header = ['SESSION', 'PROVIDER', 'RUNS', 'INPUT', 'CACHED', 'OUTPUT', 'COST', 'TITLE'];
  const rows = r.sessions.map((s) => [s.session_id, s.provider, n(s.runs), n(s.input_tokens), n(s.cached_input_tokens), n(s.output_tokens), cost(s), s.title ?? '']);
  const t = r.totals;
  rows.push(['total', '', n(t.runs), n(t.input_tokens), n(t.cached_input_tokens), n(t.output_tokens), cost(t), '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const notes = [
    t.estimated ? `~ estimated from token counts with the price table of ${r.prices_as_of}` : null,
    t.runs_without_cost > 0 ? `+? ${t.runs_without_cost} run(s) had tokens but no known price (their model is not in the table)` : null,
  ].filter((x): x is string => !!x);
  const scope = [r.since ? `since ${r.since}` : 'all time', r.session_id ? `session ${r.session_id} and below` : null].filter(Boolean).join(', ');
  return [`usage, ${scope}`, line(header), ...rows.map(line), ...notes].join('\n');
}

export function usageCommand(): Command {
  const usage = new Command('usage')
    .description('tokens and cost of your runs: each session\'s own share and the total')
    .option('--since <when>', 'only runs that ended since: 30m, 24h, 7d, 2w, or an ISO date or time', (v: string) => sinceTime(v))
    .option('--session <id>', 'only this session and the sessions below it')
    .option('--limit <n>', 'most session rows (the total covers all)', positiveInt, 100)
    .action(async (opts: { since?: string; session?: string; limit: number }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const report = await client.usage({ ...(opts.since && { since: opts.since }), ...(opts.session && { session_id: opts.session }), limit: opts.limit });
      emit(report, out, table);
    });
  return withExamples(usage, 'agentctl usage --since 24h', 'agentctl usage --session ses_…', 'agentctl --field totals.cost_usd usage --since 7d');
}
