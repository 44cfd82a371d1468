/**
 * Screens live in the URL's hash (`#/s/ses_…`), so every view has a link, the back button works,
 * and no path can collide with the API's (`/sessions/…` are agentd's routes, not the page's).
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'sessions' }
  | { name: 'session'; id: string; runId: string | null }
  | { name: 'inbox' }
  | { name: 'new' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 's' && parts[1]) return { name: 'session', id: parts[1], runId: parts[2] === 'run' && parts[3] ? parts[3] : null };
  if (parts[0] === 'inbox') return { name: 'inbox' };
  if (parts[0] === 'new') return { name: 'new' };
  return { name: 'sessions' };
}

export const href = {
  sessions: () => '#/',
  session: (id: string) => `#/s/${encodeURIComponent(id)}`,
  run: (sessionId: string, runId: string) => `#/s/${encodeURIComponent(sessionId)}/run/${encodeURIComponent(runId)}`,
  inbox: () => '#/inbox',
  newSession: () => '#/new',
};

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
