import type { Logger } from 'pino';
import type { Provider } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import { signalGroup, signalProcesses } from './process-tree.js';
import { leftoverProcesses } from './leftovers.js';
import { answeredBy } from '../protocol/approvals.js';

/**
 * At start, no run may stay `running` from a daemon that is gone: its process tree is killed if
 * still alive, it becomes `interrupted` with the reason, then `failed` — or `queued` again when
 * --resume-interrupted is set and its provider can continue the session's thread. Queued runs
 * are left alone; the pool runs them. An approval left open cannot be answered any more (its
 * agent waited on a pipe that died with the daemon, and neither CLI asks again): it is recorded
 * `expired`, denied, and its run follows the same rules.
 */
export async function recoverInterruptedRuns(
  store: Store,
  providers: Map<string, Provider>,
  opts: { resumeInterrupted: boolean; log: Logger },
): Promise<void> {
  const expired = await store.settleOpenApprovals(null, {
    state: 'expired',
    decision: 'deny',
    message: 'agentd stopped while this approval was open (crash or restart); it was denied and nothing it asked for ran',
    answered_by: answeredBy('daemon_stopped'),
  });
  if (expired.length) opts.log.warn({ count: expired.length }, 'expired the approvals a previous daemon left open');
  const left = await store.listRunsByState('running');
  const leftovers = leftoverProcesses(left);
  for (const run of left) {
    // The whole group, and whatever carries the run's id, even when the agent itself is gone;
    // never a group that is not provably the run's (after a reboot a stored pgid is a stranger's).
    const found = leftovers.get(run.id);
    if (found && found.pids.length > 0) {
      if (found.pgid !== null) signalGroup(found.pgid, 'SIGKILL', new Set(found.pids));
      else signalProcesses(found.pids, 'SIGKILL');
      opts.log.warn({ run_id: run.id, session_id: run.session_id, pgid: found.pgid, pids: found.pids }, 'killed the processes of a run left by a previous daemon');
    }
    await store.transitionRun(run.id, 'interrupted', {
      expected: 'running',
      reason: 'the daemon stopped while the run was active (crash or restart)',
    });
  }
  for (const run of await store.listRunsByState('interrupted')) {
    const provider = providers.get(run.provider);
    const session = await store.getSession(run.session_id);
    const resumable = provider?.canResume === true && session?.thread_ids[provider.name] !== undefined;
    if (opts.resumeInterrupted && resumable) {
      await store.transitionRun(run.id, 'queued', { expected: 'interrupted', reason: 're-queued after restart to resume its thread' });
    } else {
      const reason = opts.resumeInterrupted
        ? 'interrupted by a daemon restart and its provider cannot resume it'
        : 'interrupted by a daemon restart (start agentd with --resume-interrupted to re-queue such runs)';
      await store.transitionRun(run.id, 'failed', { expected: 'interrupted', reason, patch: { error: reason } });
    }
  }
}
