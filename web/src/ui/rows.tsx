/**
 * How each row of a conversation looks. Everything an agent produced is rendered as text nodes —
 * never markup — so an agent printing `<script>` shows those characters.
 */
import type { ComponentChildren } from 'preact';
import type { AgentItem } from '../../../src/protocol/events.js';
import type { Row, RowOf } from '../state/timeline.js';
import { RequestCard } from './request-card.js';
import { Diff } from './diff.js';
import { href } from './router.js';
import { clock, shortId } from './format.js';

const RUN_WORDS: Record<string, string> = {
  queued: 'Run queued',
  running: 'Run started',
  completed: 'Run completed',
  failed: 'Run failed',
  cancelled: 'Run cancelled',
  interrupted: 'Run interrupted',
};

/** A rough height before a row is measured: close guesses keep the scrollbar steady. */
export function estimateRow(row: Row): number {
  switch (row.kind) {
    case 'message':
      return 56 + Math.min(20, Math.ceil(row.message.text.length / 70)) * 20;
    case 'item':
      return row.item.type === 'text' ? 24 : row.item.type === 'agent_message' ? 56 + Math.ceil((row.text ?? '').length / 70) * 20 : 40;
    case 'request':
      return 220;
    default:
      return 32;
  }
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function Collapsible(props: { summary: ComponentChildren; open?: boolean; tone?: string; children: ComponentChildren }) {
  return (
    <details class={`item ${props.tone ?? ''}`} open={props.open}>
      <summary>{props.summary}</summary>
      <div class="item-body">{props.children}</div>
    </details>
  );
}

function CommandItem({ item }: { item: AgentItem }) {
  const status = str(item.status);
  const exit = typeof item.exit_code === 'number' ? item.exit_code : null;
  const output = str(item.aggregated_output) ?? '';
  const state = status === 'in_progress' ? 'running…' : status === 'declined' ? 'declined' : exit === null ? status ?? '' : `exit ${exit}`;
  const bad = status === 'declined' || status === 'failed' || (exit !== null && exit !== 0);
  return (
    <Collapsible
      tone={bad ? 'bad' : ''}
      open={bad && output.length > 0}
      summary={<><span class="kind">Command</span> <code class="cmd">{str(item.command) ?? ''}</code> <span class={`pill ${bad ? 'bad' : status === 'in_progress' ? 'warn' : 'ok'}`}>{state}</span></>}
    >
      {output ? <pre class="code">{output}</pre> : <p class="muted small">No output.</p>}
    </Collapsible>
  );
}

function FileChangeItem({ item }: { item: AgentItem }) {
  const changes = Array.isArray(item.changes) ? (item.changes as { path?: unknown; kind?: unknown; diff?: unknown }[]) : [];
  return (
    <Collapsible open summary={<><span class="kind">Edit</span> {changes.length === 1 ? <code>{str(changes[0]!.path) ?? ''}</code> : `${changes.length} files`} {str(item.status) && <span class="pill">{str(item.status)}</span>}</>}>
      {changes.map((change, i) => (
        <div key={i} class="change">
          <p class="small"><code>{str(change.path) ?? ''}</code> <span class="muted">{typeof change.kind === 'string' ? change.kind : JSON.stringify(change.kind ?? '')}</span></p>
          {str(change.diff) && <Diff text={str(change.diff)!} />}
        </div>
      ))}
    </Collapsible>
  );
}

function TodoItem({ item }: { item: AgentItem }) {
  const items = Array.isArray(item.items) ? (item.items as { text?: unknown; completed?: unknown }[]) : [];
  return (
    <Collapsible open summary={<span class="kind">Plan</span>}>
      <ul class="todo">
        {items.map((t, i) => <li key={i} class={t.completed === true ? 'done' : ''}>{t.completed === true ? '✓ ' : '○ '}{str(t.text) ?? ''}</li>)}
      </ul>
    </Collapsible>
  );
}

function ItemRow({ row }: { row: RowOf<'item'> }) {
  const { item } = row;
  const streaming = row.phase !== 'completed';
  switch (item.type) {
    case 'agent_message':
      return (
        <div class="msg assistant">
          <div class="who">Agent <time dateTime={row.ts}>{clock(row.ts)}</time></div>
          <div class="text">{row.text ?? ''}{streaming && <span class="caret" aria-label="still writing">▍</span>}</div>
        </div>
      );
    case 'text':
      return <pre class="line">{row.text ?? ''}</pre>;
    case 'command_execution':
      return <CommandItem item={item} />;
    case 'file_change':
      return <FileChangeItem item={item} />;
    case 'todo_list':
      return <TodoItem item={item} />;
    case 'reasoning':
      return <Collapsible summary={<span class="kind">Thinking</span>}><p class="text">{row.text ?? ''}</p></Collapsible>;
    case 'tool_use':
      return (
        <Collapsible summary={<><span class="kind">Tool</span> <code>{str(item.name) ?? ''}</code></>}>
          <pre class="code">{JSON.stringify(item.input ?? null, null, 2)}</pre>
        </Collapsible>
      );
    case 'tool_result':
      return (
        <Collapsible tone={item.is_error === true ? 'bad' : ''} summary={<span class="kind">{item.is_error === true ? 'Tool error' : 'Tool result'}</span>}>
          <pre class="code">{row.text ?? ''}</pre>
        </Collapsible>
      );
    case 'error':
      return <p class="notice warn"><span class="kind">Warning</span> {str(item.message) ?? row.text ?? ''}</p>;
    default:
      return (
        <Collapsible summary={<span class="kind">{item.type.replace(/_/g, ' ')}</span>}>
          <pre class="code">{JSON.stringify(item, null, 2)}</pre>
        </Collapsible>
      );
  }
}

function MessageRow({ row }: { row: RowOf<'message'> }) {
  const { message } = row;
  const who = message.role === 'user' ? 'You' : message.role === 'assistant' ? 'Agent' : 'Note';
  return (
    <div class={`msg ${message.role}`}>
      <div class="who">{who} <time dateTime={message.created_at}>{clock(message.created_at)}</time></div>
      <div class="text">{message.text}</div>
    </div>
  );
}

function RunRow({ row, sessionId }: { row: RowOf<'run'>; sessionId: string }) {
  const bad = row.run.state === 'failed' || row.run.state === 'interrupted';
  return (
    <p class={`runline ${bad ? 'bad' : ''}`}>
      <span class={`dot ${row.run.state}`} aria-hidden="true" />
      <span>{RUN_WORDS[row.run.state] ?? row.run.state}{row.reason ? `: ${row.reason}` : ''}</span>
      <a class="small" href={href.run(sessionId, row.run.id)} aria-label={`Details of run ${row.run.id}`}>details</a>
      <time class="muted small" dateTime={row.ts}>{clock(row.ts)}</time>
    </p>
  );
}

export function RowView({ row, sessionId }: { row: Row; sessionId: string }) {
  switch (row.kind) {
    case 'message':
      return <MessageRow row={row} />;
    case 'item':
      return <ItemRow row={row} />;
    case 'run':
      return <RunRow row={row} sessionId={sessionId} />;
    case 'request':
      return <RequestCard request={row.request} />;
    case 'child':
      return row.event === 'spawned'
        ? <p class="notice"><span class="kind">Child</span> spawned <a href={href.session(row.childSessionId)}>{row.title ?? shortId(row.childSessionId)}</a>: {row.text}</p>
        : <p class={`notice ${row.state === 'completed' ? '' : 'bad'}`}><span class="kind">Child</span> <a href={href.session(row.childSessionId)}>{shortId(row.childSessionId)}</a> {row.state}{row.text ? `: ${row.text}` : ''}</p>;
    case 'notice':
      return (
        <div class={`notice ${row.tone === 'error' ? 'bad' : ''}`}>
          {row.text}
          {row.detail && <pre class="code">{row.detail}</pre>}
        </div>
      );
  }
}
