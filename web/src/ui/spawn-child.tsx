/** Spawning a child session under a session: its task, and optionally its own agent, directory and title. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../../../src/protocol/schemas.js';
import { api, describeError, idempotencyKey } from '../api.js';

export function SpawnChild({ parent, onClose }: { parent: Session; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [task, setTask] = useState('');
  const [title, setTitle] = useState('');
  const [provider, setProvider] = useState('');
  const [cwd, setCwd] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key] = useState(idempotencyKey);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.spawnFromSession(parent.id, {
        task: task.trim(),
        ...(title.trim() && { title: title.trim() }),
        ...(provider && { provider }),
        ...(cwd.trim() && { cwd: cwd.trim() }),
        idempotency_key: key,
      });
      dialog.current?.close();
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="sheet" aria-labelledby="spawn-title" onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2 id="spawn-title">Spawn a child session</h2>
        <p class="muted small">It runs under {parent.title ?? parent.id}; its approvals and questions come back here.</p>
        <label for="spawn-task">Task</label>
        <textarea id="spawn-task" rows={3} required value={task} onInput={(e) => setTask((e.target as HTMLTextAreaElement).value)} />
        <label for="spawn-title-input">Title (optional)</label>
        <input id="spawn-title-input" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <label for="spawn-provider">Agent</label>
        <select id="spawn-provider" value={provider} onChange={(e) => setProvider((e.target as HTMLSelectElement).value)}>
          <option value="">same as the parent ({parent.provider})</option>
          <option value="codex">codex</option>
          <option value="claude">claude</option>
          <option value="command">command</option>
        </select>
        <label for="spawn-cwd">Working directory (optional)</label>
        <input id="spawn-cwd" placeholder={parent.cwd} value={cwd} onInput={(e) => setCwd((e.target as HTMLInputElement).value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !task.trim()}>{busy ? 'Spawning…' : 'Spawn'}</button>
          <button type="button" onClick={() => { dialog.current?.close(); }}>Close</button>
        </div>
      </form>
    </dialog>
  );
}
