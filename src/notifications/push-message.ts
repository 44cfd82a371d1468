/**
 * What a browser's service worker receives (decrypted) for a notification: ready to show with
 * `showNotification(title, {body, tag, data, actions})`, plus the API paths of its actions so the
 * worker can answer an approval without opening a page (with the browser's session cookie). Kept
 * small: push services refuse payloads over about 4 KB.
 */
import type { AnyNotificationType } from '../domain/notifications.js';
import { clip } from '../protocol/notification-payload.js';
import type { NotificationAction, NotificationData, NotificationPayload } from '../protocol/notifications.js';

export interface PushMessage {
  /** The notification id (ntf_…), the same as a webhook's webhook-id. */
  id: string;
  type: AnyNotificationType;
  title: string;
  body: string;
  /** Notifications with the same tag replace each other: one per request, else one per session. */
  tag: string;
  timestamp: string;
  session_id: string | null;
  run_id: string | null;
  request_id: string | null;
  actions: NotificationAction[];
}

const HEADINGS: Record<AnyNotificationType, string> = {
  'approval.requested': 'Approval needed',
  'run.completed': 'Run completed',
  'run.failed': 'Run failed',
  'run.interrupted': 'Run interrupted',
  'session.idle': 'Session idle',
  'webhook.test': 'agentd test notification',
};

export function pushMessage(id: string, payload: NotificationPayload): PushMessage {
  const heading = HEADINGS[payload.type];
  if (!('session' in payload.data)) {
    return { id, type: payload.type, title: heading, body: payload.data.text, tag: id, timestamp: payload.timestamp, session_id: null, run_id: null, request_id: null, actions: [] };
  }
  const data: NotificationData = payload.data;
  const name = data.session.title ?? data.session.id;
  return {
    id,
    type: payload.type,
    title: clip(`${heading}: ${name}`, 120),
    body: clip(data.text, 300),
    tag: data.request?.id ?? data.session.id,
    timestamp: payload.timestamp,
    session_id: data.session.id,
    run_id: data.run?.id ?? null,
    request_id: data.request?.id ?? null,
    actions: data.actions,
  };
}
