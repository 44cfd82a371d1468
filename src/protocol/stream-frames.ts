/**
 * Control frames of the live streams (`GET /stream`, `GET /sessions/{id}/stream`): every frame
 * whose `type` starts with `stream.` and has no `id`. Event frames are `TypedEvent`s (events.ts).
 * The gateway sends exactly these (streams/subscription.ts); clients read them by these types.
 */
export type StreamControlFrame =
  | { type: 'stream.opened'; resumed_from: string | null; session_id: string | null }
  | { type: 'stream.heartbeat'; ts: string; cursor: string | null }
  | { type: 'stream.overflow'; resume_cursor: string | null; reason: string }
  | { type: 'stream.closed'; reason: StreamClosedReason; detail: string; cursor: string | null };

/** Why a stream's credential ended it: a reconnect with the same credential would get 401. */
export type StreamClosedReason = 'run_ended' | 'signed_out' | 'token_revoked';
