/** Notifications on this device (Web Push): turn on, send a test, turn off. Shown in the inbox. */
import { useEffect } from 'preact/hooks';
import { useCell } from '../state/cell.js';
import { push } from '../state/push.js';

export function PushSettings() {
  const state = useCell(push.state);
  useEffect(() => void push.refresh(), []);
  const note = 'note' in state && state.note;
  const busy = state.status === 'working' || state.status === 'checking';
  const on = state.status === 'on' || (state.status === 'working' && state.was === 'on');
  return (
    <section class="push-settings card" aria-labelledby="push-title">
      <h2 id="push-title">Notifications on this device</h2>
      {state.status === 'unsupported' ? (
        <p class="muted">This browser cannot take agentd's notifications here: they need Web Push and a page opened over https (or on localhost).</p>
      ) : state.status === 'blocked' ? (
        <p class="muted">Notifications are blocked for this site. Allow them in the browser's settings for this site, then come back here.</p>
      ) : (
        <>
          <p class="muted">
            {on
              ? 'On: approvals (with Approve and Deny buttons) and finished runs are pushed to this device, even with the page closed.'
              : 'Be told on this device when an approval waits or a run ends, even with the page closed.'}
          </p>
          <div class="actions">
            {on ? (
              <>
                <button type="button" disabled={busy} onClick={() => void push.test()}>Send a test</button>
                <button type="button" disabled={busy} onClick={() => void push.turnOff()}>Turn off notifications</button>
              </>
            ) : (
              <button type="button" class="primary" disabled={busy} onClick={() => void push.turnOn()}>Turn on notifications</button>
            )}
          </div>
        </>
      )}
      <p class="muted small" role="status" aria-live="polite" data-push={state.status}>{busy ? (state.status === 'checking' ? 'Checking…' : 'Working…') : note || ''}</p>
    </section>
  );
}
