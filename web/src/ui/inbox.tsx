/**
 * Everything waiting for an answer, across sessions, oldest first: approvals and children's questions;
 * below, whether this device is notified of them.
 */
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { isOpen } from '../state/sessions.js';
import { RequestCard } from './request-card.js';
import { PushSettings } from './push-settings.js';

export function Inbox() {
  const requests = useCell(app.requests);
  const open = [...requests.values()].filter(isOpen).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">Waiting for you</h2>
      {open.length === 0 ? (
        <p class="muted">Nothing waits for an answer. Approvals and questions from agents appear here as they come.</p>
      ) : (
        <ul class="cards">
          {open.map((request) => <li key={request.id}><RequestCard request={request} showSession /></li>)}
        </ul>
      )}
      <PushSettings />
    </section>
  );
}
