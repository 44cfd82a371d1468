/**
 * Starts a real agentd for a test — the same composition root `agentd` uses — on a free port
 * (127.0.0.1, port 0) with a temporary database. `restart()` closes it and starts a new daemon
 * on the same database file, as a user restarting agentd would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { configFromOptions, type Config } from '../../src/config.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { eventMismatch } from './event-catalogue.js';

export interface TestDaemon {
  readonly url: string;
  readonly daemon: Daemon;
  readonly dir: string;
  readonly dbPath: string;
  /** A request to the daemon with the JSON body and optional bearer token; a header given as '' is left out. */
  api(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /**
   * Stops the daemon and starts another on the same database and port. Its runs keep running
   * under their supervisors and the new daemon re-attaches to them, unless `runs` says otherwise.
   */
  restart(overrides?: Partial<Config>, opts?: { runs?: 'leave' | 'stop' | 'cancel' }): Promise<void>;
  /** Stops the daemon and its runs (nothing a test started outlives it), then removes its directory. */
  close(): Promise<void>;
}

/** `overrides` may be a function of the daemon's temporary directory, for settings that live in it. */
export async function startTestDaemon(
  overridesOrFn: Partial<Config> | ((dir: string) => Partial<Config>) = {},
  options: Record<string, unknown> = {},
  /** Where the daemon logs (silent by default), for tests of what it logs. */
  logger: Logger = pino({ level: 'silent' }),
): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'agentd-test-'));
  const overrides = typeof overridesOrFn === 'function' ? overridesOrFn(dir) : overridesOrFn;
  const dbPath = join(dir, 'agentd.db');
  const base = (o: Partial<Config>): Config => ({
    ...configFromOptions({ port: 0, db: dbPath, ...options }, { PATH: process.env.PATH ?? '' }, dir),
    logLevel: 'silent',
    ...o,
  });
  // Every event the daemon commits must match the catalogue the OpenAPI document publishes.
  const mismatches: string[] = [];
  const start = async (config: Config) => {
    const daemon = await startDaemon(config, logger);
    daemon.store.onEvents((events) => {
      for (const event of events) {
        const mismatch = eventMismatch(event);
        if (mismatch && mismatches.length < 20) mismatches.push(mismatch);
      }
    });
    return daemon;
  };
  let current = await start(base(overrides));
  let lastOverrides = overrides;
  const handle: TestDaemon = {
    get url() {
      return current.url;
    },
    get daemon() {
      return current;
    },
    dir,
    dbPath,
    async api(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      // Like agentctl: a POST always says JSON, also without a body (agentd refuses it otherwise).
      if (opts.body !== undefined || method === 'POST') headers['content-type'] ??= 'application/json';
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      // An empty value leaves the header out (e.g. a POST that sends no Content-Type at all).
      for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
      const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      // A fresh connection per request (no keep-alive pool): after restart() on the same port a
      // pooled socket of the old daemon would be dead.
      const res = await new Promise<{ status: number; text: string; headers: Headers }>((resolve, reject) => {
        const req = http.request(current.url + path, { method, headers, agent: false }, (r) => {
          let text = '';
          r.setEncoding('utf8').on('data', (c: string) => (text += c));
          r.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(r.headers)) for (const value of [v ?? []].flat()) h.append(k, value);
            resolve({ status: r.statusCode ?? 0, text, headers: h });
          });
          r.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
      let body: unknown = res.text;
      try {
        body = res.text ? JSON.parse(res.text) : null;
      } catch {
        // keep the raw text
      }
      return { status: res.status, body, headers: res.headers };
    },
    async restart(next, opts = {}) {
      await current.close({ restart: true, ...opts });
      lastOverrides = { ...lastOverrides, ...next };
      // Same port, as a restarted agentd would have: clients reconnect to the URL they know.
      const port = current.port;
      current = await start(base({ ...lastOverrides, port }));
    },
    async close() {
      await current.close({ runs: 'stop' });
      rmSync(dir, { recursive: true, force: true });
      if (mismatches.length > 0) throw new Error(`events that do not match the documented catalogue:\n${mismatches.join('\n')}`);
    },
  };
  return handle;
}
