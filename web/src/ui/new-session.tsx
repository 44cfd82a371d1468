/** Creating a session: its agent, working directory, approval policy and allow rules, and a first message. */
import { useState } from 'preact/hooks';
import { api, describeError, idempotencyKey } from '../api.js';
import { href, navigate } from './router.js';

const POLICIES = [
  { value: '', label: "the daemon's policy" },
  { value: 'default', label: 'default — each agent asks as its CLI does' },
  { value: 'ask', label: 'ask — every command and edit is asked' },
  { value: 'auto', label: 'auto — nothing is asked, everything recorded' },
  { value: 'deny', label: 'deny — nothing that needs approval runs' },
];

export function NewSession() {
  const [title, setTitle] = useState('');
  const [provider, setProvider] = useState('');
  const [cwd, setCwd] = useState('');
  const [policy, setPolicy] = useState('');
  const [allow, setAllow] = useState('');
  const [first, setFirst] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One key per form: a retried submit (say, after a dropped connection) creates one session.
  const [keys] = useState(() => ({ session: idempotencyKey(), message: idempotencyKey() }));

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const rules = allow.split('\n').map((r) => r.trim()).filter(Boolean);
      const { session } = await api.createSession({
        ...(title.trim() && { title: title.trim() }),
        ...(provider && { provider }),
        ...(cwd.trim() && { cwd: cwd.trim() }),
        ...(policy && { approval_policy: policy }),
        ...(rules.length > 0 && { approval_allow: rules }),
        idempotency_key: keys.session,
      });
      if (first.trim()) await api.sendMessage(session.id, { text: first.trim(), idempotency_key: keys.message });
      navigate(href.session(session.id));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="form-page" aria-labelledby="new-title">
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2 id="new-title">New session</h2>
        <label for="new-title-input">Title (optional)</label>
        <input id="new-title-input" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <label for="new-provider">Agent</label>
        <select id="new-provider" value={provider} onChange={(e) => setProvider((e.target as HTMLSelectElement).value)}>
          <option value="">the daemon's default</option>
          <option value="codex">codex</option>
          <option value="claude">claude</option>
          <option value="command">command</option>
        </select>
        <label for="new-cwd">Working directory (optional: the daemon's own)</label>
        <input id="new-cwd" placeholder="/path/to/repo" value={cwd} onInput={(e) => setCwd((e.target as HTMLInputElement).value)} />
        <label for="new-policy">Approval policy</label>
        <select id="new-policy" value={policy} onChange={(e) => setPolicy((e.target as HTMLSelectElement).value)}>
          {POLICIES.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
        </select>
        <label for="new-allow">Never ask for (one command prefix or tool per line, optional)</label>
        <textarea id="new-allow" rows={2} placeholder={'git status\nnpm test'} value={allow} onInput={(e) => setAllow((e.target as HTMLTextAreaElement).value)} />
        <label for="new-first">First message (optional)</label>
        <textarea id="new-first" rows={3} value={first} onInput={(e) => setFirst((e.target as HTMLTextAreaElement).value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Creating…' : 'Create session'}</button>
          <a class="button" href={href.sessions()}>Cancel</a>
        </div>
      </form>
    </section>
  );
}
