import { Command, Option } from 'commander';
import { contextOf } from '../context.js';
import { emit, keyValues } from '../output.js';
import { runText, waitText } from '../human.js';
import { nonNegativeNumber } from '../parse.js';
import { retryNotice, waitForRun } from '../wait.js';
import type { Diagnostics, Run } from '../../protocol/schemas.js';
import { withExamples } from '../help.js';

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
    .description('cancel a run (a queued one at once, a running one by stopping its process tree)')
    .requiredOption('--run-id <id>', 'the run')
    .action(async (opts: { runId: string }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      emit(await client.cancelRun(opts.runId), out, ({ run: r }: { run: Run }) => `run ${r.id} ${r.state}`);
    });
  withExamples(cancel, 'agentctl run cancel --run-id run_…');
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
