/**
 * The composition root: config → store → runtime → gateway. Tests start the daemon exactly the
 * way `agentd` does, on a free port and a temporary database.
 */
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { operatorTokens, type Config } from './config.js';
import { acquireDatabaseLock } from './store/db-lock.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { buildProviders } from './providers/registry.js';
import { WorkerPool } from './runtime/pool.js';
import { RunWatcher } from './runtime/run-watcher.js';
import { StoreApprovalGate } from './runtime/approval-gate.js';
import { ApprovalService } from './services/approvals.js';
import { SessionService } from './services/sessions.js';
import { RunService } from './services/runs.js';
import { Access } from './services/access.js';
import { DelegationService } from './services/delegation.js';
import { RunTokens } from './services/run-tokens.js';
import { IdempotencyGuard } from './gateway/idempotency.js';
import { TokenRegistry, type TokenChange } from './gateway/auth.js';
import { SignIns } from './services/sign-ins.js';
import { buildApp } from './gateway/app.js';
import type { GatewayDeps } from './gateway/deps.js';
import type { DaemonStatus } from './protocol/schemas.js';
import { createStreamContext } from './gateway/streams/context.js';
import { VERSION } from './paths.js';
import { Git } from './workspaces/git.js';
import { AllowedRoots } from './workspaces/roots.js';
import { WorkspaceService } from './services/workspaces.js';
import { SpendService } from './services/spend.js';
import { AppError } from './domain/errors.js';
import { DeliveryWorker } from './notifications/delivery-worker.js';
import { HttpSender } from './notifications/http-sender.js';
import { newVapidKeys } from './notifications/push-request.js';
import { systemClock } from './notifications/clock.js';
import { WebhookService } from './services/webhooks.js';
import { PushService } from './services/push.js';
import { DaemonMetrics } from './metrics/daemon-metrics.js';
import { BackupService } from './services/backup.js';
import { Retention } from './services/retention.js';
import { serverChecks } from './doctor/server-checks.js';

export interface Daemon {
  url: string;
  port: number;
  config: Config;
  store: Store;
  app: FastifyInstance;
  /** Runs a retention pass now (tests, and operators through the API later); a no-op without --retain-days. */
  retention: Retention;
  /**
   * Re-reads the tokens file (SIGHUP). Revoked tokens stop working at once, and their browser
   * sign-ins and open streams end. A file that no longer parses changes nothing (it throws).
   */
  reloadTokens(): Promise<TokenChange>;
  close(): Promise<void>;
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A session diff's patch is cut beyond this (the file list and counts stay whole). */
const MAX_PATCH_BYTES = 8 * 1024 * 1024;
/** How long a webhook or push delivery waits for an answer, and how long settled ones are kept. */
const DELIVERY_TIMEOUT_MS = 10_000;
const DELIVERY_HISTORY_MS = 30 * 24 * 60 * 60 * 1000;

export async function startDaemon(config: Config, logger?: Logger): Promise<Daemon> {
  const log = logger ?? pino({ level: config.logLevel, base: { service: 'agentd' } });
  const lock = acquireDatabaseLock(config.dbPath);
  let store: SqliteStore | undefined;
  let retention: Retention | undefined;
  try {
    store = new SqliteStore(config.dbPath);
    const startedAt = new Date();
    const metrics = new DaemonMetrics(VERSION, { scrapeToken: config.ops.metricsToken });
    store.onWrite = (ms) => metrics.observeWrite(ms);
    store.onEvents((events) => metrics.observeEvents(events));
    const providers = buildProviders(config);
    const tokens = new TokenRegistry(operatorTokens(config));
    const signIns = new SignIns(store.signIns, config.signInTtlS * 1000);
    const runTokens = new RunTokens(store);
    let url = '';
    let agentUrl = '';
    const codexInvocation = { profile: config.codex.profile, extra_args: config.codex.extraArgs };
    const gate = new StoreApprovalGate(store, config.approvals, log);
    const pool = new WorkerPool(store, providers, {
      maxConcurrency: config.maxConcurrency,
      resumeInterrupted: config.resumeInterrupted,
      codexInvocation,
      runTimeoutS: config.runTimeoutS,
      idleTimeoutS: config.idleTimeoutS,
      cancelGraceMs: config.cancelGraceMs,
      baseEnv: config.agentEnv,
      daemonUrl: () => agentUrl,
      mintRunToken: (runId) => runTokens.mint(runId),
      budgets: config.budgets,
      // A queued run whose session spent its budget (or lost its worktree) meanwhile does not start.
      admit: async (run) => {
        const session = await s.getSession(run.session_id);
        if (!session) return null;
        try {
          await sessions.admitRun(session);
          return null;
        } catch (err) {
          if (err instanceof AppError && (err.code === 'budget_exceeded' || err.code === 'worktree_removed')) return err.message;
          throw err;
        }
      },
      approvals: gate,
    }, log);
    const watcher = new RunWatcher(store);
    const access = new Access(store);
    const workspaces = new WorkspaceService(store, access, {
      git: new Git({ bin: config.gitBin, env: config.agentEnv }),
      roots: new AllowedRoots(config.allowedRoots, config.worktreesDir),
      worktreesDir: config.worktreesDir,
      maxPatchBytes: MAX_PATCH_BYTES,
    });
    const spend = new SpendService(store, config.budgets);
    const sessions = new SessionService(store, access, {
      defaultProvider: config.defaultProvider,
      availableProviders: () => [...providers.keys()],
      defaultCwd: config.sessionCwd,
      workspaces,
      spend,
    });
    const runs = new RunService(store, sessions, pool, watcher);
    const delegation = new DelegationService(store, sessions, runs, { maxDepth: config.maxDepth, maxChildren: config.maxChildrenPerRun });
    const approvals = new ApprovalService(store, sessions, delegation);
    // Notifications: the outbox is filled by the store's writes; this worker empties it.
    const allowPrivate = config.notifications.allowPrivate;
    const vapid = await store.notifications.vapidKeys(newVapidKeys);
    const notifier = new DeliveryWorker(store.notifications, {
      clock: systemClock,
      random: Math.random,
      concurrency: 16,
      sender: new HttpSender({ allowPrivate, timeoutMs: DELIVERY_TIMEOUT_MS }),
      vapid: { ...vapid, subject: config.notifications.pushSubject },
      userAgent: `agentd/${VERSION}`,
      keepMs: DELIVERY_HISTORY_MS,
    }, log);
    const webhooks = new WebhookService(store, sessions, notifier, { allowPrivate });
    const push = new PushService(store, sessions, notifier, { allowPrivate, publicKey: vapid.publicKey });
    const s = store;
    const status = async (): Promise<DaemonStatus> => {
      const workers = pool.workers();
      return {
        status: 'ok',
        version: VERSION,
        pid: process.pid,
        uptime_s: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
        started_at: startedAt.toISOString(),
        db_path: config.dbPath,
        max_concurrency: pool.maxConcurrency,
        alive_workers: workers.filter((w) => w.alive).length,
        busy_workers: workers.filter((w) => w.run_id !== null).length,
        workers,
        queue_counts: await s.countRuns(),
        codex_invocation: codexInvocation,
        default_provider: config.defaultProvider,
        auth_enabled: tokens.enabled,
        open_waits: watcher.pending,
        open_streams: streams.open.size,
        usage: await spend.daemonTotals(),
        budgets: { max_cost_usd_per_session: config.budgets.maxCostUsd || null, max_tokens_per_session: config.budgets.maxTokens || null },
        allowed_roots: config.allowedRoots,
        open_approvals: await s.countOpenApprovals(),
      };
    };
    const streams = await createStreamContext(store, {
      heartbeatMs: config.streamHeartbeatMs,
      bufferBytes: config.streamBufferBytes,
      ticketTtlMs: config.streamTicketTtlS * 1000,
      retryMs: 1000,
      onOverflow: () => metrics.streamOverflow(),
    });
    metrics.bind({
      countRuns: () => s.countRuns(),
      countOpenRequests: async () => ({ ...(await s.countOpenRequests()), approval: await s.countOpenApprovals() }),
      workers: () => ({ busy: pool.workers().filter((w) => w.run_id !== null).length, total: pool.maxConcurrency }),
      openStreams: () => streams.open.size,
      openWaits: () => watcher.pending,
    });
    const deps: GatewayDeps = {
      sessions, runs, delegation, approvals, workspaces, spend, runTokens, streams, idempotency: new IdempotencyGuard(store), tokens, signIns, status, version: VERSION,
      metrics, backup: new BackupService(store), doctor: () => serverChecks(config),
      webhooks, push,
    };
    const exposure = { bindHost: config.host, allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins };
    // Before listening: converting an old file for incremental vacuum blocks for its duration.
    retention = new Retention(store, config.ops.retainDays, log);
    await retention.start();
    const app = await buildApp(deps, { logger: log, bodyLimitBytes: config.bodyLimitBytes, exposure });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    // Agents on this machine reach a wildcard listener through loopback.
    const agentHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : url.slice('http://'.length, url.lastIndexOf(':'));
    agentUrl = `http://${agentHost}:${port}`;
    await pool.start();
    // After recovery, whose run.interrupted/failed events queue notifications too.
    notifier.start();

    await store.pruneIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS));
    await signIns.prune();
    await signIns.endAllBut(tokens.enabled ? tokens.tokenIds() : ['local']);
    const pruneTimer = setInterval(() => {
      void s.pruneIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS)).catch((err: unknown) => log.error({ err }, 'idempotency prune failed'));
      void signIns.prune().catch((err: unknown) => log.error({ err }, 'sign-in prune failed'));
    }, 60 * 60 * 1000);
    pruneTimer.unref();

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      config,
      store,
      app,
      retention: retention!,
      async reloadTokens() {
        const change = tokens.replace(operatorTokens(config));
        if (change.removedTokenIds.length > 0) {
          const gone = new Set(change.removedTokenIds);
          await signIns.endForTokens(change.removedTokenIds);
          streams.endWhere((sub) => gone.has(sub.credential?.tokenId ?? ''), 'token_revoked', 'the token that opened this stream was revoked');
        }
        // Names (or fingerprints of bare tokens), never secrets.
        log.info({ added: change.added, removed: change.removed, tokens_file: config.tokensFile }, 'tokens reloaded');
        return change;
      },
      close() {
        closing ??= (async () => {
          clearInterval(pruneTimer);
          await retention?.close();
          // Release long-polls, stop taking requests, then stop runs, then the store; the lock goes last.
          watcher.close();
          // End open streams first: a hijacked SSE response would otherwise hold the server open.
          // Their clients resume from their cursors once a daemon is back.
          streams.close();
          await app.close();
          // Deliveries in flight are cut short and stay due: the next start sends them.
          await notifier.close();
          await pool.close();
          gate.close();
          await s.close();
          lock.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    await retention?.close();
    await store?.close();
    lock.release();
    throw err;
  }
}
