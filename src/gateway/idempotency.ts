import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import type { IdempotencyWrite, Store } from '../store/store.js';

export interface IdempotentResult<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** Key order must not change the hash: `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => k !== 'idempotency_key' && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * Idempotency keys, scoped to (principal, route, key). The first answer is written by the store
 * in the same transaction as its effect, so after a crash a retry either replays that answer or
 * finds no effect at all — never a half. In-flight keys are tracked in memory: only one daemon
 * owns the database (lock file), and nothing of an unfinished request survives a crash.
 */
export class IdempotencyGuard {
  private readonly inFlight = new Set<string>();

  constructor(private readonly store: Store) {}

  async run<T>(
    scope: { principal: string; route: string; key: string | undefined },
    body: unknown,
    status: number,
    effect: (idem: IdempotencyWrite | undefined) => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    const { key } = scope;
    if (key === undefined) return { status, body: await effect(undefined), replayed: false };
    const slot = JSON.stringify([scope.principal, scope.route, key]);
    // Claimed synchronously, before any await, so two concurrent requests cannot both proceed.
    if (this.inFlight.has(slot)) {
      throw new AppError('idempotency_key_in_flight', 'a request with this idempotency key is still being processed; retry later');
    }
    this.inFlight.add(slot);
    try {
      const hash = requestHash(body);
      const stored = await this.store.getIdempotent(scope.principal, scope.route, key);
      if (stored) {
        if (stored.requestHash !== hash) {
          throw new AppError('idempotency_key_reused', 'this idempotency key was already used with a different request body');
        }
        return { status: stored.status, body: stored.body as T, replayed: true };
      }
      const result = await effect({ principal: scope.principal, route: scope.route, key, requestHash: hash, status });
      return { status, body: result, replayed: false };
    } finally {
      this.inFlight.delete(slot);
    }
  }
}

/** The request's idempotency key: `idempotency_key` in the body or the `Idempotency-Key` header. */
export function idempotencyKeyOf(headers: Record<string, unknown>, body: unknown): string | undefined {
  const header = typeof headers['idempotency-key'] === 'string' ? (headers['idempotency-key'] as string) : undefined;
  const inBody = (body as { idempotency_key?: string } | null | undefined)?.idempotency_key;
  if (header !== undefined && inBody !== undefined && header !== inBody) {
    throw new AppError('bad_request', 'Idempotency-Key header and idempotency_key body field differ');
  }
  // Lengths (1–255) are checked by the routes' header and body schemas.
  return inBody ?? header;
}
