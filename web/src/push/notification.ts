/**
 * What the service worker does with a push from agentd, as plain functions (no worker globals, so
 * unit tests run them): the notification it shows for a message, what a tap on it or on one of its
 * buttons carries out, and what it says when an answer did not go through.
 *
 * The message is agentd's PushMessage (src/notifications/push-message.ts; docs/api-contract.md,
 * "The message a service worker receives"). Its action paths are agentd API paths from the root;
 * they are resolved against the worker's scope so a proxy may serve agentd under a prefix.
 */
import type { PushMessage } from '../../../src/notifications/push-message.js';

export type { PushMessage };

/** Buttons a notification shows: the answers that need no typing. */
const BUTTONS = new Set(['approve', 'deny']);

export interface ShownNotification {
  title: string;
  options: {
    body: string;
    tag: string;
    timestamp: number;
    icon: string;
    data: PushMessage;
    actions: { action: string; title: string }[];
    /** An approval stays on screen until someone acts on it. */
    requireInteraction: boolean;
  };
}

export type ClickOutcome =
  | { kind: 'answer'; url: string; body: string; title: string }
  | { kind: 'open'; url: string; hash: string };

/** The page's own link to a session (its router's `#/s/<id>`), or to the inbox when there is none. */
export function pageHash(sessionId: string | null): string {
  return sessionId ? `#/s/${encodeURIComponent(sessionId)}` : '#/inbox';
}

/** Reads a push's data; anything not shaped like agentd's message is null (shown generically). */
export function parseMessage(text: string | null): PushMessage | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<PushMessage> | null;
    if (!value || typeof value.title !== 'string' || typeof value.body !== 'string' || !Array.isArray(value.actions)) return null;
    return {
      id: String(value.id ?? ''), type: value.type ?? 'webhook.test', title: value.title, body: value.body,
      tag: String(value.tag ?? value.id ?? ''), timestamp: String(value.timestamp ?? ''),
      session_id: typeof value.session_id === 'string' ? value.session_id : null,
      run_id: typeof value.run_id === 'string' ? value.run_id : null,
      request_id: typeof value.request_id === 'string' ? value.request_id : null,
      actions: value.actions.filter((a) => a && typeof a.action === 'string' && typeof a.path === 'string' && typeof a.title === 'string'),
    };
  } catch {
    return null;
  }
}

/** What to show for a message (`null`: a push that is not agentd's message). */
export function notificationOf(message: PushMessage | null, scope: string): ShownNotification {
  const icon = new URL('icons/icon-192.png', scope).href;
  if (!message) {
    // A browser requires every push to show something; say where to look.
    const fallback: PushMessage = { id: '', type: 'webhook.test', title: 'agentd', body: 'Something changed: open agentd to see it.', tag: 'agentd', timestamp: '', session_id: null, run_id: null, request_id: null, actions: [] };
    return notificationOf(fallback, scope);
  }
  const when = Date.parse(message.timestamp);
  return {
    title: message.title,
    options: {
      body: message.body,
      tag: message.tag || message.id,
      timestamp: Number.isNaN(when) ? Date.now() : when,
      icon,
      data: message,
      actions: message.actions.filter((a) => BUTTONS.has(a.action) && a.method === 'POST').map((a) => ({ action: a.action, title: a.title })),
      requireInteraction: message.type === 'approval.requested',
    },
  };
}

/**
 * What a tap carries out: a button answers (POST to agentd with the browser's session cookie and an
 * idempotency key per notification and answer, so a double tap answers once); the notification
 * itself, or anything else, opens the session in the page.
 */
export function clickOutcome(message: PushMessage, action: string, scope: string): ClickOutcome {
  const chosen = BUTTONS.has(action) ? message.actions.find((a) => a.action === action && a.method === 'POST') : undefined;
  if (chosen) {
    return {
      kind: 'answer',
      url: new URL(chosen.path.replace(/^\/+/, ''), scope).href,
      body: JSON.stringify({ idempotency_key: `push-${message.id}-${chosen.action}` }),
      title: chosen.title,
    };
  }
  const hash = pageHash(message.session_id);
  return { kind: 'open', url: `${scope}${hash}`, hash };
}

/**
 * The notification that replaces one whose answer failed: why, in words, and a tap opens the session
 * (where it can be answered by hand). `status` 0: agentd could not be reached.
 */
export function answerFailed(message: PushMessage, answer: string, status: number, detail: string | null, scope: string): ShownNotification {
  const why = status === 0 ? 'agentd could not be reached.'
    : status === 401 ? 'This browser is signed out of agentd: open it and sign in.'
    : status === 409 ? 'It was already answered (by someone else, a rule or the timeout).'
    : detail ?? `agentd answered ${status}.`;
  const shown = notificationOf({ ...message, title: `Not done: ${answer} — ${message.title}`, actions: [] }, scope);
  return { ...shown, options: { ...shown.options, body: why, requireInteraction: false } };
}
