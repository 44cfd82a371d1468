import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit, keyValues } from '../output.js';
import { runText, waitText } from '../human.js';
import { nonNegativeNumber } from '../parse.js';
import { retryNotice, waitForRun } from '../wait.js';
import type { Diagnostics, Run } from '../../protocol/schemas.js';
import { withExamples } from '../help.js';

const CANCEL_ALL_TEXT = {
  stopped: 'stopped: its agent exited and the cancel is recorded in its spool',
  gone: 'has no supervisor any more (the next agentd start decides it from its spool)',
  timeout: 'told to stop, but its supervisor did not exit in time',
} as const;

const STATES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'];

export function runCommand(): Command {
  const run = withExamples(new Command('run').description('inspect and control runs'), 'agentctl run wait --run-id run_…');
  const get = run
    .command('get')
    .description('one run')
    .requiredOption('--run-id <id>', 'the run')
    .action(async (opts: { runId: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.getRun(opts.runId), out, runText);
    });
  withExamples(get, 'agentctl run get --run-id run_…', 'agentctl --field run.state run get --run-id run_…');
  const wait = run
    .command('wait')
    .description('wait until the run ends; prints its final text; exits 1 unless it completed (on a terminal, a status line shows progress meanwhile)')
    .requiredOption('--run-id <id>', 'the run')
    .option('--timeout-s <seconds>', 'give up after this long (default: wait as long as it takes)', nonNegativeNumber)
    .action(async (opts: { runId: string; timeoutS?: number }, cmd: Command) => {
      const { client, out, term } = contextOf(cmd);
      // The status line is for a person watching: not when output is captured, parsed or piped.
      const live = term.interactive && out.format === 'human' && !out.field;
      const result = live
        ? await (await import('../live/run-status.js')).waitWithStatus(client, opts.runId, opts.timeoutS, term)
        : await waitForRun(client, opts.runId, opts.timeoutS, retryNotice);
      emit(result, out, waitText);
      if (result.run.state !== 'completed') process.exitCode = 1;
    });
  withExamples(wait, 'agentctl run wait --run-id run_…', 'agentctl --field run.final_text run wait --run-id run_… --timeout-s 600');
  const cancel = run
    .command('cancel')
    .description('cancel a run (a queued one at once, a running one by stopping its process tree); --all stops every supervised run of a database, with or without agentd')
    .option('--run-id <id>', 'the run')
    .option('--all', 'stop the agent of every run running under a supervisor on --db, by telling each supervisor directly (for a daemon that will not come back); each run is recorded cancelled')
    .option('--db <path>', 'with --all: the database agentd used (AGENTD_DB, default .data/agent-orchestrator.db)')
    .option('--timeout-s <seconds>', 'with --all: how long to wait for each agent to stop (default 30)', nonNegativeNumber)
    .action(async (opts: { runId?: string; all?: boolean; db?: string; timeoutS?: number }, cmd: Command) => {
      if (!!opts.all === (opts.runId !== undefined)) cmd.error('error: give either --run-id or --all');
      if (!opts.all && (opts.db !== undefined || opts.timeoutS !== undefined)) cmd.error('error: --db and --timeout-s go with --all');
      const { client, out } = contextOf(cmd);
      if (opts.runId !== undefined) {
        emit(await client.cancelRun(opts.runId), out, ({ run: r }: { run: Run }) => `run ${r.id} ${r.state}`);
        return;
      }
      const [{ stopSupervisedRuns }, { spoolRoot }] = await Promise.all([import('../../supervisor/stop-all.js'), import('../../supervisor/spool.js')]);
      const db = resolve(opts.db ?? process.env.AGENTD_DB ?? '.data/agent-orchestrator.db');
      const stopped = await stopSupervisedRuns(spoolRoot(db), 'cancelled with agentctl run cancel --all', (opts.timeoutS ?? 30) * 1000);
      const runs = stopped.map((r) => ({ run_id: r.runId, attempt: r.attempt, outcome: r.outcome }));
      emit({ db, runs }, out, (r: { runs: typeof runs }) => r.runs.length === 0
        ? 'no supervised run to stop'
        : r.runs.map((x) => `run ${x.run_id} ${CANCEL_ALL_TEXT[x.outcome]}`).join('\n'));
      if (runs.some((r) => r.outcome === 'timeout')) process.exitCode = 1;
    });
  withExamples(cancel, 'agentctl run cancel --run-id run_…', 'agentctl run cancel --all --db /var/lib/agentd/agentd.db');
  const transition = run
    .command('transition')
    .description('move a run along its state machine')
    .requiredOption('--run-id <id>', 'the run')
    .addOption(new Option('--state <state>', 'the new state').choices(STATES).makeOptionMandatory())
    .addOption(new Option('--expected-state <state>', 'refuse unless the run is in this state').choices(STATES))
    .option('--reason <text>', 'recorded with the event')
    .action(async (opts: { runId: string; state: string; expectedState?: string; reason?: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const result = await client.transitionRun(opts.runId, {
        state: opts.state,
        ...(opts.expectedState && { expected_state: opts.expectedState }),
        ...(opts.reason && { reason: opts.reason }),
      });
      emit(result, out, ({ run: r }: { run: Run }) => `run ${r.id} ${r.state}`);
    });
  withExamples(transition, 'agentctl run transition --run-id run_… --state failed --expected-state interrupted --reason "gave up"');
  const diagnose = run
    .command('diagnose')
    .description('why a run is where it is: worker, queue position, process, likely issue')
    .requiredOption('--run-id <id>', 'the run')
    .action(async (opts: { runId: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.diagnoseRun(opts.runId), out, ({ diagnostics }: { diagnostics: Diagnostics }) => keyValues(diagnostics));
    });
  withExamples(diagnose, 'agentctl run diagnose --run-id run_…', 'agentctl --field diagnostics.likely_issue run diagnose --run-id run_…');
  return run;
}
