import { Command, Option } from 'commander';
import { ApiError, type AgentdClient } from '../../client/http-client.js';
import { nonNegativeNumber } from '../parse.js';
import { isProcessAlive } from '../../runtime/process-tree.js';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { daemonStatusText } from '../human.js';
import { withExamples } from '../help.js';

export function daemonCommand(): Command {
  const daemon = withExamples(new Command('daemon').description('the daemon itself'), 'agentctl daemon status');
  const status = daemon
    .command('status')
    .description('worker pool, queue counts and daemon facts; warns when agentd and agentctl versions differ')
    .action(async (_opts, cmd: Command) => {
      const { client, out, term, version } = contextOf(cmd);
      const result = await client.daemonStatus();
      emit(result, out, daemonStatusText);
      // On stderr, so --format json and --field output stay parseable.
      if (result.version !== version) {
        term.err.write(`agentctl: warning: agentd is version ${result.version} but agentctl is ${version}; use the agentctl that came with this agentd, or upgrade both\n`);
      }
    });
  withExamples(status, 'agentctl daemon status', 'agentctl --field queue_counts.queued_count daemon status');
  const stop = daemon
    .command('stop')
    .description('stop agentd; its active runs keep running under their supervisors for the next start, unless --cancel-runs or --stop-runs')
    .addOption(new Option('--cancel-runs', 'cancel every active run (its agent is stopped, the run becomes cancelled) before agentd exits').conflicts('stopRuns'))
    .option('--stop-runs', 'stop every active run as agentd --stop-runs does (interrupted, then failed or re-queued by the next start)')
    .option('--timeout-s <seconds>', 'how long to wait for agentd to exit (default 60)', nonNegativeNumber)
    .action(async (opts: { cancelRuns?: boolean; stopRuns?: boolean; timeoutS?: number }, cmd: Command) => {
      const { client, out, term } = contextOf(cmd);
      const { pid } = await client.daemonStatus();
      const asked = await client.stopDaemon(opts.cancelRuns ? 'cancel' : opts.stopRuns ? 'stop' : undefined);
      const exited = await waitForExit(client, pid, (opts.timeoutS ?? 60) * 1000);
      emit({ ...asked, pid, exited }, out, (r: { runs: string; pid: number; exited: boolean }) =>
        `agentd (pid ${r.pid}) ${r.exited ? 'stopped' : 'is still stopping'}; active runs: ${RUNS_TEXT[r.runs] ?? r.runs}`);
      if (!exited) {
        term.err.write('agentctl: agentd did not exit in time; it goes on stopping (agentctl daemon status shows whether it still answers)\n');
        process.exitCode = 1;
      }
    });
  withExamples(stop, 'agentctl daemon stop', 'agentctl daemon stop --cancel-runs');
  return daemon;
}

const RUNS_TEXT: Record<string, string> = {
  leave: 'left running under their supervisors; the next agentd start re-attaches to them',
  stop: 'stopped (interrupted)',
  cancel: 'cancelled',
};

/**
 * Until agentd no longer answers and, when it runs on this machine, its process is gone: with
 * --cancel-runs it stops answering first and exits once its runs ended. Nothing announces a
 * process's end to a client, so this polls.
 */
async function waitForExit(client: AgentdClient, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const local = isLoopbackUrl(client.baseUrl);
  for (;;) {
    let answering = true;
    try {
      await client.health();
    } catch (err) {
      answering = err instanceof ApiError;
    }
    if (!answering && (!local || !isProcessAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
