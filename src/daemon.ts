/**
 * The composition root: config → store → runtime → gateway. Tests start the daemon exactly the
 * way `agentd` does, on a free port and a temporary database.
 */
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { acquireDatabaseLock } from './store/db-lock.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { buildProviders } from './providers/registry.js';
import { WorkerPool } from './runtime/pool.js';
import { RunWatcher } from './runtime/run-watcher.js';
import { SessionService } from './services/sessions.js';
import { RunService } from './services/runs.js';
import { Access } from './services/access.js';
import { DelegationService } from './services/delegation.js';
import { RunTokens } from './services/run-tokens.js';
import { IdempotencyGuard } from './gateway/idempotency.js';
import { TokenRegistry } from './gateway/auth.js';
import { buildApp } from './gateway/app.js';
import { fittingMaxConnections } from './gateway/connections.js';
import { trackInFlight } from './gateway/in-flight.js';
import type { GatewayDeps } from './gateway/deps.js';
import type { DaemonStatus } from './protocol/schemas.js';
import { createStreamContext } from './gateway/streams/context.js';
import { VERSION } from './paths.js';

export interface Daemon {
  url: string;
  port: number;
  config: Config;
  store: Store;
  app: FastifyInstance;
  /**
   * Stops the daemon: long-polls answer `timed_out: true`, streams end (WebSocket 1001, or 1012
   * with `restart`), requests in flight finish, then runs are stopped and the store closed.
   */
  close(opts?: { restart?: boolean }): Promise<void>;
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a stop waits for requests in flight beyond the cancel grace. */
const SHUTDOWN_DRAIN_MS = 2000;

export async function startDaemon(config: Config, logger?: Logger): Promise<Daemon> {
  const log = logger ?? pino({ level: config.logLevel, base: { service: 'agentd' } });
  const lock = acquireDatabaseLock(config.dbPath);
  let store: SqliteStore | undefined;
  try {
    store = new SqliteStore(config.dbPath);
    const startedAt = new Date();
    const providers = buildProviders(config);
    const tokens = new TokenRegistry(config.authTokens);
    const runTokens = new RunTokens(store);
    let url = '';
    let agentUrl = '';
    const codexInvocation = { profile: config.codex.profile, extra_args: config.codex.extraArgs };
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
    }, log);
    const watcher = new RunWatcher(store);
    const sessions = new SessionService(store, new Access(store), {
      defaultProvider: config.defaultProvider,
      availableProviders: () => [...providers.keys()],
      defaultCwd: process.cwd(),
    });
    const runs = new RunService(store, sessions, pool, watcher);
    const delegation = new DelegationService(store, sessions, runs, { maxDepth: config.maxDepth, maxChildren: config.maxChildrenPerRun });
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
      };
    };
    const streams = await createStreamContext(store, {
      heartbeatMs: config.streamHeartbeatMs,
      bufferBytes: config.streamBufferBytes,
      totalBufferBytes: config.streamTotalBufferBytes,
      maxStreams: config.maxStreams,
      ticketTtlMs: config.streamTicketTtlS * 1000,
      retryMs: 1000,
    });
    const deps: GatewayDeps = { sessions, runs, delegation, runTokens, streams, idempotency: new IdempotencyGuard(store), tokens, status, version: VERSION };
    const maxConnections = fittingMaxConnections(config.maxConnections);
    if (maxConnections < config.maxConnections) {
      log.warn({ max_connections: maxConnections, wanted: config.maxConnections }, 'connection limit lowered to fit the open-file limit (ulimit -n)');
    }
    const app = await buildApp(deps, {
      logger: log,
      bodyLimitBytes: config.bodyLimitBytes,
      limits: {
        maxConnections,
        headerTimeoutMs: config.headerTimeoutMs,
        bodyTimeoutMs: config.bodyTimeoutMs,
        keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      },
    });
    const inFlight = trackInFlight(app);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    // Agents on this machine reach a wildcard listener through loopback.
    const agentHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : url.slice('http://'.length, url.lastIndexOf(':'));
    agentUrl = `http://${agentHost}:${port}`;
    await pool.start();

    await store.pruneIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS));
    const pruneTimer = setInterval(() => {
      void s.pruneIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS)).catch((err: unknown) => log.error({ err }, 'idempotency prune failed'));
    }, 60 * 60 * 1000);
    pruneTimer.unref();

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      config,
      store,
      app,
      close(opts = {}) {
        closing ??= (async () => {
          clearInterval(pruneTimer);
          // Release long-polls (each answers timed_out: true) and end streams, which also keeps a
          // hijacked SSE response from holding the server open; clients resume from their cursors.
          watcher.close();
          streams.close(opts);
          // Let the answers go out before connections are closed: closing first left long-polls
          // with an empty reply. Bounded, as a cancel in flight may wait for its process.
          await inFlight.settled(config.cancelGraceMs + SHUTDOWN_DRAIN_MS);
          // Then stop taking requests, stop runs, close the store; the lock goes last.
          await app.close();
          await pool.close();
          await s.close();
          lock.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store?.close();
    lock.release();
    throw err;
  }
}
