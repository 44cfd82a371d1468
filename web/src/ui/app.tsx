/** The page's root: sign-in until signed in (or straight in when agentd runs without tokens), then the shell. */
import { useState } from 'preact/hooks';
import { app } from '../state/app.js';
import { useCell } from '../state/cell.js';
import { Shell } from './shell.js';

function SignIn({ error }: { error: string | undefined }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    // The token goes to agentd once, in a header, and is then dropped: the page keeps only the
    // HttpOnly cookie it cannot read.
    const value = token.trim();
    setToken('');
    await app.signIn(value);
    setBusy(false);
  };
  return (
    <main class="signin" id="main">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to agentd</h1>
        <p class="muted">Paste an operator token (the secret part of <code>--auth-token</code> or a tokens-file line). It is exchanged for a session cookie and not stored by this page.</p>
        <label for="token">Operator token</label>
        <input id="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !token.trim()}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}

export function App() {
  const auth = useCell(app.auth);
  switch (auth.status) {
    case 'checking':
      return <main class="boot" id="main" aria-busy="true">Connecting to agentd…</main>;
    case 'unreachable':
      return (
        <main class="signin" id="main">
          <h1>agentd cannot be reached</h1>
          <p>{auth.error}</p>
          <button type="button" class="primary" onClick={() => void app.boot()}>Try again</button>
        </main>
      );
    case 'signed-out':
      return <SignIn error={auth.error} />;
    case 'signed-in':
      return <Shell principal={auth.principal} authEnabled={auth.authEnabled} />;
  }
}
