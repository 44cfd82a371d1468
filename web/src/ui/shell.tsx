/**
 * The frame of every screen: a header with the connection state (always visible), the inbox count,
 * theme and sign-out; then the sessions beside the current screen on a desktop, or one screen at a
 * time on a phone.
 */
import { useEffect, useState } from 'preact/hooks';
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { isOpen } from '../state/sessions.js';
import type { ConnectionState } from '../live/stream.js';
import { href, useRoute } from './router.js';
import { SessionList } from './session-list.js';
import { SessionView } from './session-view.js';
import { Inbox } from './inbox.js';
import { NewSession } from './new-session.js';
import { RunDetails } from './run-details.js';
import { applyTheme, currentTheme, nextTheme } from './theme.js';

const CONNECTION_WORDS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — will resume',
  ended: 'Disconnected',
};

function ConnectionBadge() {
  const state = useCell(app.connection);
  return (
    <span class={`conn ${state}`} role="status" aria-live="polite" data-connection={state}>
      <span class="dot" aria-hidden="true" />{CONNECTION_WORDS[state]}
    </span>
  );
}

function ThemeToggle() {
  const [choice, setChoice] = useState(currentTheme);
  useEffect(() => applyTheme(choice), [choice]);
  const words = { system: 'auto', light: 'light', dark: 'dark' };
  return (
    <button type="button" class="small" onClick={() => setChoice(nextTheme(choice))} title="Switch between the system's theme, light and dark">
      <span class="wide-only">Theme: </span>{words[choice]}
    </button>
  );
}

export function Shell({ principal, authEnabled }: { principal: string; authEnabled: boolean }) {
  const route = useRoute();
  const requests = useCell(app.requests);
  const waiting = [...requests.values()].filter(isOpen).length;
  const selected = route.name === 'session' ? route.id : null;
  const screen = route.name;

  useEffect(() => {
    const name = route.name === 'session' ? 'Session' : route.name === 'inbox' ? 'Inbox' : route.name === 'new' ? 'New session' : 'Sessions';
    document.title = waiting > 0 ? `(${waiting}) ${name} · agentd` : `${name} · agentd`;
  }, [route, waiting]);

  return (
    <div class={`shell screen-${screen}`}>
      <header class="top">
        <a class="brand" href={href.sessions()}>agentd</a>
        <ConnectionBadge />
        <nav class="top-nav" aria-label="Main">
          <a href={href.inbox()} class={`inbox-link ${route.name === 'inbox' ? 'on' : ''}`} aria-current={route.name === 'inbox' ? 'page' : undefined}>
            Inbox{waiting > 0 && <span class="badge" aria-label={`${waiting} waiting`}>{waiting}</span>}
          </a>
        </nav>
        <div class="top-right">
          <ThemeToggle />
          {authEnabled && <button type="button" class="small" onClick={() => void app.signOut()} title={`Signed in as ${principal}`}>Sign out</button>}
        </div>
      </header>
      <div class="layout">
        <aside class="side"><SessionList selected={selected} /></aside>
        <main class="main" id="main">
          {route.name === 'session' && <SessionView key={route.id} id={route.id} />}
          {route.name === 'session' && route.runId && <RunDetails key={route.runId} sessionId={route.id} runId={route.runId} />}
          {route.name === 'inbox' && <Inbox />}
          {route.name === 'new' && <NewSession />}
          {route.name === 'sessions' && (
            <section class="empty">
              <h2>Pick a session</h2>
              <p class="muted">Choose one on the left, or <a href={href.newSession()}>start a new one</a>.</p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
