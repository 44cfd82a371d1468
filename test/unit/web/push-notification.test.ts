/**
 * What the service worker shows for agentd's push messages and what a tap on them does
 * (web/src/push/notification.ts): only answers that need no typing become buttons, answers go to
 * agentd under the page's own prefix with one idempotency key per notification and answer, and a
 * failed answer says why in words.
 */
import { describe, expect, it } from 'vitest';
import { answerFailed, clickOutcome, notificationOf, parseMessage, type PushMessage } from '../../../web/src/push/notification.js';

const SCOPE = 'https://box.example/agentd/';

const approval: PushMessage = {
  id: 'ntf_1', type: 'approval.requested', title: 'Approval needed: deploy', body: 'run `npm test` in /repo',
  tag: 'req_1', timestamp: '2026-11-25T09:41:02.113Z', session_id: 'ses_1', run_id: 'run_1', request_id: 'req_1',
  actions: [
    { action: 'approve', title: 'Approve', method: 'POST', path: '/requests/req_1/approve' },
    { action: 'deny', title: 'Deny', method: 'POST', path: '/requests/req_1/deny' },
    { action: 'open', title: 'Open', method: 'GET', path: '/sessions/ses_1' },
  ],
};
const question: PushMessage = {
  ...approval, id: 'ntf_2', title: 'Approval needed: child',
  actions: [{ action: 'respond', title: 'Respond', method: 'POST', path: '/requests/req_2/respond' }, { action: 'open', title: 'Open', method: 'GET', path: '/sessions/ses_1' }],
};
const finished: PushMessage = { ...approval, id: 'ntf_3', type: 'run.completed', title: 'Run completed: deploy', tag: 'ses_1', request_id: null, actions: [approval.actions[2]!] };

describe('push notifications in the service worker', () => {
  it('shows an approval with Approve and Deny buttons, kept on screen until acted on', () => {
    const shown = notificationOf(parseMessage(JSON.stringify(approval)), SCOPE);
    expect(shown.title).toBe('Approval needed: deploy');
    expect(shown.options).toMatchObject({
      body: 'run `npm test` in /repo', tag: 'req_1', requireInteraction: true, icon: `${SCOPE}icons/icon-192.png`,
      timestamp: Date.parse(approval.timestamp),
      actions: [{ action: 'approve', title: 'Approve' }, { action: 'deny', title: 'Deny' }],
    });
  });

  it('offers no button for an answer that needs typing, nor for a finished run', () => {
    expect(notificationOf(question, SCOPE).options.actions).toEqual([]);
    expect(notificationOf(finished, SCOPE).options).toMatchObject({ actions: [], requireInteraction: false });
  });

  it('a button posts the answer to agentd under the page\'s prefix, with the same key on every tap', () => {
    const first = clickOutcome(approval, 'approve', SCOPE);
    expect(first).toEqual({ kind: 'answer', url: `${SCOPE}requests/req_1/approve`, title: 'Approve', body: JSON.stringify({ idempotency_key: 'push-ntf_1-approve' }) });
    expect(clickOutcome(approval, 'approve', SCOPE)).toEqual(first);
    expect(clickOutcome(approval, 'deny', SCOPE)).toMatchObject({ kind: 'answer', url: `${SCOPE}requests/req_1/deny`, body: JSON.stringify({ idempotency_key: 'push-ntf_1-deny' }) });
  });

  it('a tap on the notification itself (or an action it cannot carry out) opens the session in the page', () => {
    expect(clickOutcome(approval, '', SCOPE)).toEqual({ kind: 'open', url: `${SCOPE}#/s/ses_1`, hash: '#/s/ses_1' });
    expect(clickOutcome(question, 'respond', SCOPE)).toMatchObject({ kind: 'open', hash: '#/s/ses_1' });
    expect(clickOutcome({ ...finished, session_id: null }, '', SCOPE)).toMatchObject({ kind: 'open', hash: '#/inbox' });
  });

  it('a push that is not agentd\'s message still shows something, and carries out nothing', () => {
    for (const text of [null, 'not json', '{"title": 3}', 'null']) {
      const shown = notificationOf(parseMessage(text), SCOPE);
      expect(shown.title, String(text)).toBe('agentd');
      expect(shown.options.actions).toEqual([]);
    }
  });

  it('says in words why an answer did not go through, in place of the approval', () => {
    const cases: [number, string | null, string][] = [
      [409, 'already answered', 'It was already answered (by someone else, a rule or the timeout).'],
      [401, null, 'This browser is signed out of agentd: open it and sign in.'],
      [0, null, 'agentd could not be reached.'],
      [403, 'run tokens may not answer approvals', 'run tokens may not answer approvals'],
    ];
    for (const [status, detail, said] of cases) {
      const shown = answerFailed(approval, 'Approve', status, detail, SCOPE);
      expect(shown.title).toBe('Not done: Approve — Approval needed: deploy');
      expect(shown.options).toMatchObject({ body: said, tag: 'req_1', actions: [], requireInteraction: false });
    }
  });
});
