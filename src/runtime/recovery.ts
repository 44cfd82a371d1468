import { existsSync, readdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Provider } from '../providers/provider.js';
import type { RunWithPgid, Store } from '../store/store.js';
import { signalGroup, signalProcesses } from './process-tree.js';
import { leftoverProcesses } from './leftovers.js';
import { answeredBy } from '../protocol/approvals.js';
import { parseRunSpoolName, removeRunSpool, runSpoolDir, supervisorSocketPath } from '../supervisor/spool.js';
import { attachSupervisor, readLeftSpool, type SupervisedSource } from './supervised.js';

export interface RecoveryOptions {
  resumeInterrupted: boolean;
  log: Logger;
  /** Where supervised runs spool; null when this daemon runs agents without supervisors. */
  spoolRoot: string | null;
  /** Takes over a run a previous daemon left running: its supervisor lives, or its spool says how it ended. */
  adopt: (found: { run: RunWithPgid; source: SupervisedSource; spoolDir: string; offset: number }) => void;
}

/**
 * At start, no run may stay `running` without someone following it. A run whose supervisor still
 * answers is re-attached and continues where the committed spool offset says; a run whose
 * supervisor is gone is read to the end of its spool (it may have finished meanwhile: its exit
 * decides). Runs with neither (agents agentd ran as its own children, or a spool that ends
 * without an exit) follow the interrupted-run rules: what is left of their processes is killed,
 * they become `interrupted`, then `failed` — or `queued` again when --resume-interrupted is set
 * and the provider can continue the session's thread. Approvals of those runs are `expired`:
 * their agent waited on a pipe that is gone. Queued runs are left alone; the pool runs them.
 */
export async function recoverInterruptedRuns(store: Store, providers: Map<string, Provider>, opts: RecoveryOptions): Promise<void> {
  const adopted = new Set<string>();
  for (const run of await store.listRunsByState('running')) {
    const dir = opts.spoolRoot ? runSpoolDir(opts.spoolRoot, run.id, run.attempt) : null;
    if (!dir || !existsSync(dir)) continue;
    const offset = (await store.getSpoolProgress(run.id, run.attempt))?.offset ?? 0;
    let source: SupervisedSource | null = null;
    try {
      source = await attachSupervisor(supervisorSocketPath(dir), dir, offset);
    } catch (err) {
      opts.log.warn({ err, run_id: run.id, session_id: run.session_id }, 'the supervisor of a run does not answer; reading what it spooled');
    }
    adopted.add(run.id);
    opts.adopt({ run, source: source ?? readLeftSpool(dir, offset), spoolDir: dir, offset });
  }

  const open = await store.listApprovals({ state: 'open' });
  const orphaned = [...new Set(open.map((a) => a.run_id))].filter((id) => !adopted.has(id));
  let expired = 0;
  for (const runId of orphaned) {
    expired += (await store.settleOpenApprovals(runId, {
      state: 'expired',
      decision: 'deny',
      message: 'agentd stopped while this approval was open (crash or restart) and its agent did not survive; it was denied and nothing it asked for ran',
      answered_by: answeredBy('daemon_stopped'),
    })).length;
  }
  if (expired) opts.log.warn({ count: expired }, 'expired the approvals a previous daemon left open');

  for (const run of await store.listRunsByState('running')) {
    if (adopted.has(run.id)) continue;
    killLeftovers(run, opts.log);
    await store.transitionRun(run.id, 'interrupted', {
      expected: 'running',
      reason: 'the daemon stopped while the run was active (crash or restart)',
    });
  }
  for (const run of await store.listRunsByState('interrupted')) await settleInterrupted(store, providers, run, opts.resumeInterrupted);
  if (opts.spoolRoot) await removeStaleSpools(store, opts.spoolRoot, opts.log);
}

/**
 * Kills what is left of a run's processes: its whole group, and whatever carries the run's id, even
 * when the agent itself is gone; never a group that is not provably the run's (after a reboot a
 * stored pgid is a stranger's).
 */
export function killLeftovers(run: RunWithPgid, log: Logger): void {
  const found = leftoverProcesses([run]).get(run.id);
  if (!found || found.pids.length === 0) return;
  if (found.pgid !== null) signalGroup(found.pgid, 'SIGKILL', new Set(found.pids));
  else signalProcesses(found.pids, 'SIGKILL');
  log.warn({ run_id: run.id, session_id: run.session_id, pgid: found.pgid, pids: found.pids }, 'killed the processes of a run whose daemon or supervisor is gone');
}

/** An interrupted run becomes `failed`, or `queued` again when it may and can resume its thread. */
export async function settleInterrupted(store: Store, providers: Map<string, Provider>, run: RunWithPgid, resumeInterrupted: boolean): Promise<void> {
  const provider = providers.get(run.provider);
  const session = await store.getSession(run.session_id);
  const resumable = provider?.canResume === true && session?.thread_ids[provider.name] !== undefined;
  if (resumeInterrupted && resumable) {
    await store.transitionRun(run.id, 'queued', { expected: 'interrupted', reason: 're-queued after restart to resume its thread' });
  } else {
    const reason = resumeInterrupted
      ? 'interrupted by a daemon restart and its provider cannot resume it'
      : 'interrupted by a daemon restart (start agentd with --resume-interrupted to re-queue such runs)';
    await store.transitionRun(run.id, 'failed', { expected: 'interrupted', reason, patch: { error: reason } });
  }
}

/**
 * Spools of runs that are no longer running (their final write happened, the removal did not).
 * A supervisor still alive there (its run was ended while no daemon followed it) is told to stop.
 */
async function removeStaleSpools(store: Store, root: string, log: Logger): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const parsed = parseRunSpoolName(name);
    if (!parsed) continue;
    const run = await store.getRun(parsed.runId);
    if (run && run.state === 'running' && run.attempt === parsed.attempt) continue;
    const dir = runSpoolDir(root, parsed.runId, parsed.attempt);
    const left = await attachSupervisor(supervisorSocketPath(dir), dir, 0).catch(() => null);
    if (left) {
      log.warn({ run_id: parsed.runId }, 'stopping a supervisor whose run is no longer running');
      left.halt({ kind: 'cancel', reason: 'its run is no longer running' });
      left.detach();
      continue;
    }
    removeRunSpool(dir);
  }
}
