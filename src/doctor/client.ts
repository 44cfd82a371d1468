/**
 * `agentctl doctor`: asks agentd to check itself (GET /daemon/doctor) and adds what only the
 * client can see — that the daemon answers, its version against this agentctl, and the two clocks.
 * When agentd does not answer, it checks locally what it can: who holds the port, the agent CLIs
 * on this PATH, and the database file.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError, UnreachableError, type AgentdClient } from '../client/http-client.js';
import { fail, pass, skip, warn, type Check } from './check.js';
import { checkDatabase } from './database.js';
import { checkPortHolder } from './host.js';
import { checkProvider } from './providers.js';
import { testedVersions } from './versions.js';

export interface DoctorOptions {
  client: AgentdClient;
  version: string;
  packageRoot: string;
  /** For the local checks when agentd does not answer. */
  local: { db: string; codexBin: string; claudeBin: string; defaultProvider: string; env: NodeJS.ProcessEnv };
  /** Clocks further apart than this (plus half the round trip) fail. */
  maxSkewMs?: number;
}

export async function runDoctor(opts: DoctorOptions): Promise<Check[]> {
  const { client } = opts;
  const checks: Check[] = [];
  let health: { status: string; version: string };
  try {
    health = await client.health();
  } catch (err) {
    if (err instanceof UnreachableError) {
      checks.push(fail('daemon', `no answer at ${client.baseUrl}: ${err.message.replace(/^cannot reach agentd at \S+ /, '')}`, 'start agentd (`agentd`, or `agentd service install` to run it at login), or point agentctl at it with --url / AGENTCTL_URL'));
      return [...checks, ...(await localChecks(opts))];
    }
    const detail = err instanceof ApiError ? `HTTP ${err.status}` : (err as Error).message;
    checks.push(fail('daemon', `${client.baseUrl} answers, but not as agentd (${detail})`, 'point agentctl at agentd with --url / AGENTCTL_URL'));
    return checks;
  }
  if (typeof health?.version !== 'string') {
    checks.push(fail('daemon', `${client.baseUrl} answers, but not as agentd`, 'point agentctl at agentd with --url / AGENTCTL_URL'));
    return checks;
  }
  checks.push(
    health.version === opts.version
      ? pass('daemon', `agentd ${health.version} at ${client.baseUrl}`)
      : warn('daemon', `agentd ${health.version} at ${client.baseUrl}, agentctl ${opts.version}`, 'run the same version of both: restart agentd after an upgrade, or use the agentctl installed with it'),
  );
  const sent = Date.now();
  let report: { now: string; checks: Check[] };
  try {
    report = await client.request<{ now: string; checks: Check[] }>('GET', 'daemon/doctor');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      checks.push(fail('auth', `agentd refused the check: ${err.problem.code}`, 'pass an operator token: --auth-token or AGENTCTL_AUTH_TOKEN'));
      return checks;
    }
    if (err instanceof ApiError && err.status === 404) {
      checks.push(warn('self-checks', `agentd ${health.version} has no GET /daemon/doctor (older than this agentctl)`, 'upgrade agentd to run its checks, or run `agentctl doctor` on its machine with it stopped'));
      return checks;
    }
    throw err;
  }
  const received = Date.now();
  checks.push(...report.checks);
  checks.push(clockSkew(Date.parse(report.now), sent, received, opts.maxSkewMs ?? 2000));
  return checks;
}

/** The daemon's clock against ours, allowing for the round trip: run times, tickets and logs depend on it. */
export function clockSkew(daemonMs: number, sentMs: number, receivedMs: number, maxSkewMs: number): Check {
  const skew = daemonMs - (sentMs + receivedMs) / 2;
  const allowed = maxSkewMs + (receivedMs - sentMs) / 2;
  const text = `${Math.abs(skew) < 1000 ? `${Math.round(Math.abs(skew))} ms` : `${(Math.abs(skew) / 1000).toFixed(1)} s`} ${skew >= 0 ? 'ahead of' : 'behind'} this machine`;
  if (Math.abs(skew) > allowed) return fail('clock', `agentd's clock is ${text}`, 'synchronize both clocks (NTP: `timedatectl set-ntp true`); stream tickets, run times and timeouts depend on them');
  return pass('clock', `agentd's clock is ${text}`);
}

async function localChecks(opts: DoctorOptions): Promise<Check[]> {
  const url = new URL(opts.client.baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const tested = testedVersions(opts.packageRoot);
  const { local } = opts;
  const [portCheck, codex, claude] = await Promise.all([
    checkPortHolder(host, port),
    checkProvider({ name: 'codex', bin: local.codexBin, env: local.env, tested: tested.codex, isDefault: local.defaultProvider === 'codex' }),
    checkProvider({ name: 'claude', bin: local.claudeBin, env: local.env, tested: tested.claude, isDefault: local.defaultProvider === 'claude' }),
  ]);
  const db = resolve(local.db);
  const database = existsSync(db) ? checkDatabase(db) : [skip('database', `no database at ${db} (--db to check another)`)];
  return [portCheck, ...codex, ...claude, ...database];
}
