/**
 * The daemon's Prometheus metrics, one registry per daemon (tests start several in one process, so
 * nothing lives at module level). Three kinds of source:
 *   - committed events, fed by the store's listener: run outcomes and durations, queue wait,
 *     events written, approval answers;
 *   - hot paths, fed by a call each (an HTTP response, a SQLite write transaction, a stream
 *     cut off): each a Map lookup of a cached child and an increment, nothing more;
 *   - state read at scrape time (runs by state, open approvals, workers, streams): the values
 *     come from the store and the pool when Prometheus asks, so they can never drift.
 * Names are the contract of docs/grafana-dashboard.json and docs/runbook.md ("Metrics").
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import client from 'prom-client';
import type { AgentEvent, QueueCounts, Run } from '../protocol/schemas.js';
import { HotCounter, HotHistogram, type CounterSeries, type HistogramSeries } from './hot-path.js';

const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = client;

/** What is read when Prometheus scrapes. */
export interface MetricsSources {
  countRuns(): Promise<QueueCounts>;
  /** Open requests by kind (approvals, kept in their own table, as kind `approval`). */
  countOpenRequests(): Promise<Record<string, number>>;
  workers(): { busy: number; total: number };
  openStreams(): number;
  openWaits(): number;
}

/**
 * Request kinds that are approvals: a person (or the parent agent) must allow an action.
 * `approval` is the kind the approvals feature writes (issue 12), with `request.created` and
 * `request.answered` events; the other two are agent-to-agent escalations of the same nature.
 */
export const APPROVAL_KINDS: ReadonlySet<string> = new Set(['approval', 'approval_request', 'permission_request']);

const RUN_ENDED = new Set(['run.completed', 'run.failed', 'run.cancelled']);

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

interface RequestLike {
  id?: unknown;
  /** Approvals: the asking session (their `request.answered` is also written where they are routed). */
  session_id?: unknown;
  kind?: unknown;
  state?: unknown;
  created_at?: unknown;
  answered_at?: unknown;
}

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private sources: MetricsSources | undefined;
  private readonly scrapeDigest: Buffer | null;

  private readonly httpRequests;
  private readonly httpDuration;
  private readonly sqliteWrite;
  private readonly writeSeries: HistogramSeries;
  /** route → method → the request's series, so a request costs map lookups, not label hashing. */
  private readonly httpSeries = new Map<string, Map<string, { duration: HistogramSeries; byStatus: Map<number, CounterSeries> }>>();
  private readonly streamOverflows;
  private readonly eventsWritten;
  private readonly runsEnded;
  private readonly runDuration;
  private readonly queueWait;
  private readonly approvalWait;
  /** When each run still queued entered the queue (from its `run.queued` event), for queue wait. */
  private readonly queuedAt = new Map<string, string>();

  constructor(version: string, opts: { scrapeToken?: string | null; processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.scrapeDigest = opts.scrapeToken ? createHash('sha256').update(opts.scrapeToken).digest() : null;
    const self = this;

    new Gauge({ name: 'agentd_build_info', help: 'Always 1; the labels say which agentd and node run', labelNames: ['version', 'node'], registers })
      .set({ version, node: process.version }, 1);

    new Gauge({
      name: 'agentd_runs', help: 'Runs by state, daemon-wide (read from the database at scrape time)', labelNames: ['state'], registers,
      async collect() {
        const counts = await self.sources?.countRuns();
        if (!counts) return;
        for (const [key, n] of Object.entries(counts)) this.set({ state: key.replace(/_count$/, '') }, n);
      },
    });
    new Gauge({
      name: 'agentd_queue_depth', help: 'Runs waiting for a worker (state queued)', registers,
      async collect() {
        const counts = await self.sources?.countRuns();
        if (counts) this.set(counts.queued_count);
      },
    });
    this.queueWait = new Histogram({
      name: 'agentd_queue_wait_seconds', help: 'Time from queued to running, per run start', registers,
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    });
    this.runDuration = new Histogram({
      name: 'agentd_run_duration_seconds', help: 'Time from running to the end of the run, by provider and final state', labelNames: ['provider', 'state'], registers,
      buckets: [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    });
    this.runsEnded = new Counter({ name: 'agentd_runs_ended_total', help: 'Runs that reached a terminal state, by provider and state', labelNames: ['provider', 'state'], registers });
    new Gauge({
      name: 'agentd_workers', help: 'Worker pool: size (state="total") and busy workers', labelNames: ['state'], registers,
      collect() {
        const w = self.sources?.workers();
        if (!w) return;
        this.set({ state: 'total' }, w.total);
        this.set({ state: 'busy' }, w.busy);
      },
    });
    new Gauge({
      name: 'agentd_approvals_open', help: 'Approvals waiting for an answer, by request kind', labelNames: ['kind'], registers,
      async collect() {
        const open = await self.sources?.countOpenRequests();
        if (!open) return;
        this.reset();
        for (const kind of APPROVAL_KINDS) this.set({ kind }, open[kind] ?? 0);
      },
    });
    this.approvalWait = new Histogram({
      name: 'agentd_approval_wait_seconds', help: 'From an approval being asked to its answer, by kind and outcome', labelNames: ['kind', 'outcome'], registers,
      buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400],
    });
    new Gauge({
      name: 'agentd_stream_clients', help: 'Open WebSocket and SSE streams', registers,
      collect() {
        if (self.sources) this.set(self.sources.openStreams());
      },
    });
    this.streamOverflows = new Counter({ name: 'agentd_stream_overflows_total', help: 'Streams cut off because the client read slower than events came', registers });
    new Gauge({
      name: 'agentd_open_waits', help: 'Clients long-polling GET /runs/{id}/wait', registers,
      collect() {
        if (self.sources) this.set(self.sources.openWaits());
      },
    });
    // Hot paths (every event, request, write): see hot-path.ts for why these are not prom-client's own.
    this.eventsWritten = new HotCounter('agentd_events_written_total', 'Events committed to the log, by type', this.registry);
    this.httpRequests = new HotCounter('agentd_http_requests_total', 'HTTP requests by method, route and status', this.registry);
    this.httpDuration = new HotHistogram(
      'agentd_http_request_duration_seconds', 'HTTP response time by method and route (streams and long-polls last as long as they are open)', this.registry,
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120],
    );
    this.sqliteWrite = new HotHistogram(
      'agentd_sqlite_write_duration_seconds', 'Duration of each SQLite write transaction', this.registry,
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 5],
    );
    this.writeSeries = this.sqliteWrite.handle('', {});
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The pool, store and streams exist after the metrics; they are bound once built. */
  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Whether `token` is the scrape-only token (constant time). */
  acceptsScrapeToken(token: string): boolean {
    if (!this.scrapeDigest) return false;
    return timingSafeEqual(this.scrapeDigest, createHash('sha256').update(token).digest());
  }

  /** One HTTP response. `route` is the route pattern (`/runs/:id`), never the raw URL. */
  observeRequest(method: string, route: string | undefined, status: number, elapsedMs: number): void {
    const pattern = route ?? 'unmatched';
    let byMethod = this.httpSeries.get(pattern);
    if (!byMethod) this.httpSeries.set(pattern, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (!series) {
      series = { duration: this.httpDuration.handle(`${method} ${pattern}`, { method, route: pattern }), byStatus: new Map() };
      byMethod.set(method, series);
    }
    let counter = series.byStatus.get(status);
    if (!counter) {
      counter = this.httpRequests.handle(`${method} ${pattern} ${status}`, { method, route: pattern, status: String(status) });
      series.byStatus.set(status, counter);
    }
    counter.inc();
    series.duration.observe(elapsedMs / 1000);
  }

  observeWrite(elapsedMs: number): void {
    this.writeSeries.observe(elapsedMs / 1000);
  }

  streamOverflow(): void {
    this.streamOverflows.inc();
  }

  /** Every committed batch, in log order (the store's listener). */
  observeEvents(events: readonly AgentEvent[]): void {
    for (const event of events) {
      this.eventsWritten.inc(event.type, () => ({ type: event.type }));
      if (event.type.startsWith('run.')) this.observeRunEvent(event);
      else if (event.type.startsWith('request.')) this.observeRequestResolution((event.data as { request?: RequestLike } | null)?.request, event.session_id);
    }
  }

  private observeRunEvent(event: AgentEvent): void {
    const run = (event.data as { run?: Run } | null)?.run;
    if (!run) return;
    if (event.type === 'run.queued') {
      this.queuedAt.set(run.id, event.ts);
    } else if (event.type === 'run.running') {
      // A run queued before this daemon started has no queued event here; its first attempt
      // waited since creation, a re-queued one since a moment this daemon did not see.
      const since = this.queuedAt.get(run.id) ?? (run.attempt === 1 ? run.created_at : undefined);
      this.queuedAt.delete(run.id);
      if (since && run.started_at) this.queueWait.observe(seconds(since, run.started_at));
    } else if (RUN_ENDED.has(event.type)) {
      this.queuedAt.delete(run.id);
      const labels = { provider: run.provider, state: run.state };
      this.runsEnded.inc(labels);
      if (run.started_at && run.ended_at) this.runDuration.observe(labels, seconds(run.started_at, run.ended_at));
    }
  }

  /**
   * The hook approvals feed: any `request.*` event carrying a request of an approval kind that is
   * no longer open (answered, expired, cancelled) records how long it waited.
   */
  observeRequestResolution(request: RequestLike | undefined, eventSessionId: string): void {
    if (!request || typeof request.kind !== 'string' || !APPROVAL_KINDS.has(request.kind)) return;
    if (request.state === 'open' || typeof request.created_at !== 'string') return;
    // An approval's answer is announced in the asking session and again where it was routed: count it once.
    if (typeof request.session_id === 'string' && request.session_id !== eventSessionId) return;
    const end = typeof request.answered_at === 'string' ? request.answered_at : new Date().toISOString();
    this.approvalWait.observe({ kind: request.kind, outcome: String(request.state) }, seconds(request.created_at, end));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
