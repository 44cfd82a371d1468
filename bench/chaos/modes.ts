/**
 * The ways `npm run chaos` can break agentd. A mode owns the daemon(s) under test and the faults;
 * the workload (senders, stream followers) and the audit are the same for every mode, so a new
 * mode — several nodes, a supervisor that keeps runs alive across daemon restarts — is one file
 * that implements `ChaosMode` and one line in `modes` below.
 */
import type { Random } from './random.js';
import { sigkillMode } from './sigkill-mode.js';

export interface ModeOptions {
  /** How many faults to inject. */
  kills: number;
  /** Pause after a daemon is listening before the next fault, drawn in [minGapMs, maxGapMs]. */
  minGapMs: number;
  maxGapMs: number;
  /** agentd --max-concurrency. */
  concurrency: number;
  /** argv of the agent for the command provider. */
  agentArgv: string[];
  /** A scratch directory of this run: databases, logs. */
  dataDir: string;
  random: Random;
  /**
   * Resolves at the next message a client gets acknowledged (or after 30 s without one). A mode
   * awaits it before a kill timed "while serving", so every such kill lands on a daemon that
   * clients are busy with, however slowly this machine starts daemons.
   */
  nextAcknowledgement(): Promise<void>;
  /** Aborted when the harness is interrupted (Ctrl-C): kill what runs, start nothing new. */
  signal: AbortSignal;
  log(message: string): void;
}

/** The system under test, as clients see it. */
export interface ChaosTarget {
  /** The base URL clients use; it stays the same across restarts, as a real daemon's does. */
  readonly url: string;
  /**
   * Injects every fault, then resolves once the last one is done and the target serves again.
   * Returns how many faults were injected.
   */
  injectFaults(): Promise<{ kills: number }>;
  /** Stops the target cleanly (the final daemon drains and exits); resolves with its exit code. */
  stop(): Promise<number | null>;
  /** Kills whatever still runs, without waiting for a clean stop (the harness's own failure path). */
  abort(): Promise<void>;
}

export interface ChaosMode {
  name: string;
  description: string;
  start(options: ModeOptions): Promise<ChaosTarget>;
}

export const modes: ChaosMode[] = [sigkillMode];

export function findMode(name: string): ChaosMode {
  const mode = modes.find((m) => m.name === name);
  if (!mode) throw new Error(`unknown mode "${name}" (${modes.map((m) => m.name).join(', ')})`);
  return mode;
}
