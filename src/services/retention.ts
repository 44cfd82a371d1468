import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a pass runs; the first one runs at start. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * `--retain-days N`: every hour, events and messages older than N days are deleted from sessions
 * that have ended (no queued, running or interrupted run; no open request), then the freed pages
 * are given back to the disk (incremental vacuum). Never touches a session that can still run.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: Store, private readonly retainDays: number, private readonly log: Logger) {}

  get enabled(): boolean {
    return this.retainDays > 0;
  }

  /** Converts the file once if needed (blocking, before the daemon serves), runs a pass, schedules the rest. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    if (await this.store.enableIncrementalVacuum()) {
      this.log.info('converted the database to incremental auto-vacuum (one full VACUUM, once)');
    }
    this.timer = setInterval(() => void this.pass(), RETENTION_INTERVAL_MS);
    this.timer.unref();
    void this.pass();
  }

  /** One pass; passes never overlap. Resolves when it is done (tests, and close()). */
  pass(): Promise<void> {
    this.running ??= this.runPass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runPass(): Promise<void> {
    if (this.closed) return;
    const cutoff = new Date(Date.now() - this.retainDays * DAY_MS);
    try {
      const pruned = await this.store.pruneEnded(cutoff);
      const freedPages = pruned.events + pruned.messages > 0 ? await this.store.vacuumFreePages() : 0;
      this.log.info({ cutoff: cutoff.toISOString(), ...pruned, freed_pages: freedPages }, 'retention pass');
    } catch (err) {
      this.log.error({ err }, 'retention pass failed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }
}
