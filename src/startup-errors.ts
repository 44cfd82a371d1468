/**
 * The one line `agentd` prints when it cannot start: what failed, in the operator's terms (the
 * address, the database file), never a stack trace.
 */
import type { Config } from './config.js';
import { DatabaseLockedError } from './store/db-lock.js';

export function startupFailure(err: unknown, config: Config): string {
  if (err instanceof DatabaseLockedError) return `${err.message}\nStop that daemon first, or start this one with --db pointing elsewhere.`;
  const e = err as NodeJS.ErrnoException;
  const address = `${config.host}:${config.port}`;
  if (e.code === 'EADDRINUSE') return `${address} is already in use (--port to choose another)`;
  if (e.syscall === 'listen' || e.syscall === 'bind' || e.syscall === 'getaddrinfo') {
    const why = e.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
      : e.code === 'EADDRNOTAVAIL' ? 'no such address on this machine'
      : e.code === 'ENOTFOUND' ? 'unknown host name'
      : e.code ?? e.message;
    return `cannot listen on ${address}: ${why} (--host, --port)`;
  }
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) return `cannot use the database ${config.dbPath}: ${e.message} (${e.code})`;
  if (e.path !== undefined) return `cannot use ${e.path}: ${e.code ?? e.message} (--db)`;
  return e instanceof Error ? e.message : String(err);
}
