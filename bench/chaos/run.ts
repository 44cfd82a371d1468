/**
 * One chaos run: start the target (a mode), put load on it — senders with idempotency retries,
 * stream followers on both transports — while the mode injects its faults; then stop sending, let
 * the final daemon drain, and audit what it stored against what the clients were told and shown.
 */
import { setMaxListeners } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgentdClient } from '../../src/client/http-client.js';
import type { StreamEvent } from '../support/stream-watch.js';
import { REPO_ROOT, scratchDir } from '../support/repo.js';
import { auditRuns, auditStreams, awaitCatchUp, drainRuns, readLog, runsOf } from './audit.js';
import { follow, type Follower } from './followers.js';
import { agentsLeft } from './leftovers.js';
import { findMode, type ChaosTarget } from './modes.js';
import { seededRandom } from './random.js';
import { Sender } from './senders.js';

export const AGENT = join(REPO_ROOT, 'bench', 'chaos', 'agent.mjs');

export interface ChaosOptions {
  mode: string;
  kills: number;
  seed: number;
  /** Sessions, each with one sender and one stream follower (SSE and WebSocket alternate). */
  sessions: number;
  /** Unfinished runs a sender allows itself before it waits for the oldest to end. */
  window: number;
  /** Percentage of runs a sender cancels soon after sending their message. */
  cancelPercent: number;
  minGapMs: number;
  maxGapMs: number;
  concurrency: number;
  /** The agent prints this many lines, this far apart, per run. */
  agentLines: number;
  agentIntervalMs: number;
  /** After the last fault: how long runs may take to end before they count as stuck. */
  drainTimeoutMs: number;
  /** Keep the scratch directory (database, daemon logs): never, always, or when a count is not 0. */
  keep: 'never' | 'always' | 'on-failure';
  /** Aborting it (Ctrl-C) kills the daemon and ends the run with an error. */
  signal?: AbortSignal;
  log(message: string): void;
}

export const DEFAULTS: Omit<ChaosOptions, 'seed' | 'log'> = {
  mode: 'sigkill',
  kills: 20,
  sessions: 6,
  window: 3,
  cancelPercent: 20,
  minGapMs: 300,
  maxGapMs: 2000,
  concurrency: 4,
  agentLines: 5,
  agentIntervalMs: 30,
  drainTimeoutMs: 60_000,
  keep: 'on-failure',
};

/** The five figures that must all be 0. */
export interface ChaosCounts {
  lostAcknowledged: number;
  duplicateRuns: number;
  stuckRuns: number;
  streamGaps: number;
  streamDuplicates: number;
}

export interface ChaosReport {
  mode: string;
  seed: number;
  counts: ChaosCounts;
  /** Also failures, outside the five: events that differ from the stored ones, cancels not kept, agents left alive, client errors. */
  streamMismatches: number;
  cancelsNotKept: number;
  agentsLeft: number[];
  errors: string[];
  totals: {
    kills: number;
    sessions: number;
    messages: number;
    retries: number;
    retryReasons: Record<string, number>;
    /** Acknowledgements that were replays of an answer a kill had cut off. */
    replayed: number;
    /** Cancels answered. */
    cancels: number;
    runs: number;
    runStates: Record<string, number>;
    events: number;
    streams: number;
    received: number;
    reconnects: number;
    overflows: number;
    finalExitCode: number | null;
    seconds: number;
  };
  details: string[];
  /** The scratch directory, when kept. */
  dataDir: string | null;
  passed: boolean;
}

function tally(records: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const record of records) for (const [k, n] of Object.entries(record)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}

const CATCH_UP_MS = 30_000;
/** A daemon that acknowledges nothing this long is killed anyway (the audit says what that cost). */
const NO_ACKNOWLEDGEMENT_MS = 30_000;
const AGENTS_GONE_MS = 10_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const mode = findMode(options.mode);
  const random = seededRandom(options.seed);
  const dir = scratchDir('chaos');
  // The scratch path on every agent's command line: how leftovers of this run are found.
  const marker = dir.path;
  const halt = options.signal ?? new AbortController().signal;
  const acknowledgementWaiters: (() => void)[] = [];
  const wakeAcknowledgementWaiters = () => {
    for (const wake of acknowledgementWaiters.splice(0)) wake();
  };
  const nextAcknowledgement = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, NO_ACKNOWLEDGEMENT_MS);
      acknowledgementWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  let target: ChaosTarget;
  try {
    target = await mode.start({
      kills: options.kills,
      minGapMs: options.minGapMs,
      maxGapMs: options.maxGapMs,
      concurrency: options.concurrency,
      agentArgv: [process.execPath, AGENT, marker, String(options.agentLines), String(options.agentIntervalMs)],
      dataDir: dir.path,
      random: random.fork(),
      nextAcknowledgement,
      signal: halt,
      log: options.log,
    });
  } catch (err) {
    if (options.keep === 'never') rmSync(dir.path, { recursive: true, force: true });
    else options.log(`kept ${dir.path}`);
    throw err;
  }
  const sending = new AbortController();
  const following = new AbortController();
  // Every client listens on these: many more than the default 10 listeners is expected, not a leak.
  setMaxListeners(0, sending.signal, following.signal, halt);
  let report: ChaosReport | undefined;
  try {
    const client = new AgentdClient({ url: target.url });
    const followers: Follower[] = [
      follow('sse', target.url, null, following.signal, random.fork()),
      follow('ws', target.url, null, following.signal, random.fork()),
    ];
    // Drawn now, in a fixed order: sessions come into being in whatever order the daemon answers.
    const followerRandoms = Array.from({ length: options.sessions }, () => random.fork());
    const senders = Array.from({ length: options.sessions }, (_, i) => new Sender(client, random.fork(), `chaos-${options.seed}-s${i}`, options.window, options.cancelPercent / 100, wakeAcknowledgementWaiters));
    const sends = senders.map((sender, i) =>
      sender.run(sending.signal, halt, (sessionId) => followers.push(follow(i % 2 === 0 ? 'sse' : 'ws', target.url, sessionId, following.signal, followerRandoms[i]!))));

    const { kills } = await target.injectFaults();
    options.log(`${kills} kills done; stopping the senders`);
    sending.abort();
    await Promise.all(sends);
    if (halt.aborted) throw new Error('interrupted');

    const sessionIds = senders.map((s) => s.sessionId).filter((id): id is string => id !== null);
    const readLogs = async () => new Map<string, StreamEvent[]>(await Promise.all(sessionIds.map(async (id) => [id, await readLog(client, id)] as const)));
    const runIds = [...(await readLogs()).values()].flatMap((log) => [...runsOf(log).keys()]);
    options.log(`waiting for ${runIds.length} runs to end`);
    await drainRuns(client, runIds, Date.now() + options.drainTimeoutMs, halt);
    const logs = await readLogs();
    options.log('waiting for the streams to catch up');
    await awaitCatchUp(followers, logs, Date.now() + CATCH_UP_MS);
    if (halt.aborted) throw new Error('interrupted');
    following.abort();
    await Promise.all(followers.map((f) => f.done));

    const acknowledged = senders.flatMap((s) => s.stats.acknowledged);
    const cancels = senders.flatMap((s) => s.stats.cancels);
    const runs = auditRuns(acknowledged, logs, cancels);
    const streams = auditStreams(followers, logs);
    const finalExitCode = await target.stop();
    const left = await agentsLeft(marker, AGENTS_GONE_MS);
    const errors = [...senders.flatMap((s) => s.stats.errors), ...followers.flatMap((f) => f.errors)];
    if (finalExitCode !== 0) errors.push(`the final agentd exited with ${finalExitCode} on SIGTERM`);
    const counts: ChaosCounts = {
      lostAcknowledged: runs.lost,
      duplicateRuns: runs.duplicateRuns,
      stuckRuns: runs.stuck,
      streamGaps: streams.gaps,
      streamDuplicates: streams.duplicates,
    };
    const passed = Object.values(counts).every((n) => n === 0) && streams.mismatches === 0 && runs.cancelsNotKept === 0 && left.length === 0 && errors.length === 0;
    report = {
      mode: mode.name,
      seed: options.seed,
      counts,
      streamMismatches: streams.mismatches,
      cancelsNotKept: runs.cancelsNotKept,
      agentsLeft: left,
      errors,
      totals: {
        kills,
        sessions: sessionIds.length,
        messages: acknowledged.length,
        retries: senders.reduce((n, s) => n + s.stats.retries, 0),
        retryReasons: tally(senders.map((s) => s.stats.retryReasons)),
        replayed: runs.replayed,
        cancels: cancels.length,
        runs: runs.runs,
        runStates: runs.states,
        events: [...logs.values()].reduce((n, log) => n + log.length, 0),
        streams: followers.length,
        received: streams.received,
        reconnects: followers.reduce((n, f) => n + f.reconnects, 0),
        overflows: followers.reduce((n, f) => n + f.overflows, 0),
        finalExitCode,
        seconds: Math.round((Date.now() - started) / 100) / 10,
      },
      details: [...runs.details, ...streams.details],
      dataDir: null,
      passed,
    };
    return report;
  } catch (err) {
    await target.abort();
    throw err;
  } finally {
    sending.abort();
    following.abort();
    const keep = options.keep === 'always' || (options.keep === 'on-failure' && !report?.passed);
    if (keep && report) report.dataDir = dir.path;
    else if (keep) options.log(`kept ${dir.path} (database and daemon logs)`);
    else rmSync(dir.path, { recursive: true, force: true });
  }
}
