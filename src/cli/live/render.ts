/**
 * How a run looks in the terminal while it happens (`message send --follow`): the one place that
 * turns a run's events into text. A new kind of item or event gets one entry in `ITEMS` or `EVENTS`
 * below; everything it does not know is still shown, as a dim one-line summary.
 *
 * Output is written as it comes, so assistant text can stream: the renderer remembers how much of
 * each item's text it printed and prints only what is new. It also tracks whether the cursor sits
 * mid-line, so the next item starts on a line of its own.
 */
import type { AgentEvent } from '../../protocol/schemas.js';
import type { Paint } from '../terminal.js';

type Item = Record<string, any>;

/** Per-run memory the item renderers share. */
interface RenderState {
  paint: Paint;
  /** Characters of each item's text already printed (streamed text). */
  printed: Map<string, number>;
  /** Commands whose `$ command` line is already out. */
  announced: Set<string>;
}

/** Text for one item in one phase; '' prints nothing. */
type ItemRenderer = (item: Item, phase: string, state: RenderState) => string;
/** Text for one event; '' prints nothing. */
type EventRenderer = (data: Record<string, any>, event: AgentEvent, state: RenderState) => string;

export const oneLine = (text: unknown, max = 160): string => {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/**
 * Prints only the part of `text` not printed yet (updates of a message only ever append); a text
 * shorter than what was printed was rewritten and starts over on a new line.
 */
function streamText(id: string, text: string, done: boolean, state: RenderState): string {
  const before = state.printed.get(id) ?? 0;
  if (text === '' && before === 0) {
    if (done) state.printed.delete(id);
    return '';
  }
  let out = text.length >= before ? text.slice(before) : `\n${text}`;
  state.printed.set(id, text.length);
  if (done) {
    state.printed.delete(id);
    if (!text.endsWith('\n')) out += '\n';
  }
  return out;
}

function commandLine(id: string, command: string, state: RenderState): string {
  if (state.announced.has(id)) return '';
  state.announced.add(id);
  return `${state.paint.cyan('$')} ${state.paint.bold(oneLine(command, 400))}\n`;
}

function exitLine(code: number | null | undefined, status: string | undefined, state: RenderState): string {
  const { paint } = state;
  if (typeof code === 'number') return `  ${code === 0 ? paint.green(`exit ${code}`) : paint.red(`exit ${code}`)}\n`;
  return `  ${status === 'failed' || status === 'declined' ? paint.red(status) : paint.dim(status ?? 'done')}\n`;
}

/** Item renderers by `item.type` (see docs/api-contract.md, "run.item by provider"). */
const ITEMS: Record<string, ItemRenderer> = {
  // command provider: one stdout line each.
  text: (item) => `${String(item.text ?? '')}\n`,
  // codex and claude: the assistant's words, streamed when the provider sends updates.
  agent_message: (item, phase, state) => streamText(String(item.id), String(item.text ?? ''), phase === 'completed', state),
  reasoning: (item, phase, state) => (phase === 'completed' && item.text ? `${state.paint.dim(`thinking: ${oneLine(item.text)}`)}\n` : ''),
  // codex: announced when it starts, its exit code when it ends.
  command_execution: (item, phase, state) => {
    const id = String(item.id);
    const head = commandLine(id, String(item.command ?? ''), state);
    if (phase !== 'completed') return head;
    state.announced.delete(id);
    return head + exitLine(item.exit_code, item.status, state);
  },
  file_change: (item, phase, state) => {
    if (phase !== 'completed') return '';
    const changes: Item[] = Array.isArray(item.changes) ? item.changes : [];
    return changes.map((c) => `${state.paint.yellow(String(c.kind ?? 'edit'))} ${c.path}\n`).join('');
  },
  // claude: a tool call, then its result.
  tool_use: (item, _phase, state) => {
    const input = (item.input ?? {}) as Item;
    if (typeof input.command === 'string') return commandLine(String(item.id), input.command, state);
    return `${state.paint.cyan('→')} ${item.name} ${state.paint.dim(oneLine(JSON.stringify(input), 120))}\n`;
  },
  tool_result: (item, _phase, state) => {
    state.announced.delete(String(item.tool_use_id));
    return item.is_error ? `  ${state.paint.red(`error: ${oneLine(item.text, 120)}`)}\n` : `  ${state.paint.dim('done')}\n`;
  },
  // codex uses error items for warnings; the run goes on.
  error: (item, phase, state) => (phase === 'completed' ? `${state.paint.yellow(`warning: ${oneLine(item.message)}`)}\n` : ''),
};

function renderItem(data: Record<string, any>, _event: AgentEvent, state: RenderState): string {
  const item = (data.item ?? {}) as Item;
  const phase = String(data.phase ?? 'completed');
  const render = ITEMS[String(item.type)];
  if (render) return render(item, phase, state);
  if (phase !== 'completed') return '';
  const detail = item.text ?? item.command ?? item.message ?? item.name ?? '';
  return `${state.paint.dim(`${item.type}${detail ? `: ${oneLine(detail)}` : ''}`)}\n`;
}

/** Escalations a child sends its parent that wait for an answer (docs/api-contract.md, "Request"). */
const ANSWERABLE = new Set(['approval_request', 'permission_request', 'question']);

/** A question a person (or parent agent) must answer, with the exact command that answers it. */
function renderRequest(data: Record<string, any>, _event: AgentEvent, state: RenderState): string {
  const r = (data.request ?? {}) as Item;
  const { paint } = state;
  const asker = r.child_session_id ?? (r.kind === 'approval' && r.parent_session_id ? r.session_id : null);
  const from = asker ? ` from ${asker}` : '';
  if (r.state !== 'open') return `${paint.dim(`${r.kind}${from}: ${oneLine(r.text)}`)}\n`;
  const answer = r.kind === 'approval'
    ? `agentctl requests approve ${r.id}  (or: requests deny ${r.id} --message "…")`
    : ANSWERABLE.has(String(r.kind))
      ? `agentctl requests respond --request-id ${r.id} --text "…"`
      : 'see agentctl requests --help';
  return `${paint.yellow('?')} ${paint.bold(String(r.kind))} ${r.id}${from}: ${oneLine(r.text, 400)}\n  answer: ${answer}\n`;
}

/** Event renderers by `event.type`; run state changes are the caller's (they end the follow). */
const EVENTS: Record<string, EventRenderer> = {
  'run.item': renderItem,
  'run.provider_error': (data, _e, state) => `${state.paint.red(`error: ${oneLine(data.event?.message ?? data.event?.error?.message ?? JSON.stringify(data.event))}`)}\n`,
  'child.spawned': (data, _e, state) => `${state.paint.dim(`child ${data.session?.id} started (run ${data.run?.id})`)}\n`,
  'child.completed': (data, _e, state) =>
    `${state.paint.dim(`child ${data.child_session_id} ${data.state}${data.final_text ? `: ${oneLine(data.final_text)}` : data.error ? `: ${oneLine(data.error)}` : ''}`)}\n`,
  'child.request': renderRequest,
  // An agent's approval prompt (in the asking session; `child.request` carries it to a parent).
  'request.created': renderRequest,
  'request.answered': (data, _e, state) => {
    const r = (data.request ?? {}) as Item;
    if (r.kind !== 'approval') return `${state.paint.dim(`${r.id} answered: ${oneLine(r.answer_text)}`)}\n`;
    const outcome = r.state === 'answered' ? r.decision : r.state;
    return `${state.paint.dim(`${r.id} ${outcome}${r.answered_by ? ` by ${r.answered_by.kind}` : ''}: ${oneLine(r.text)}${r.message ? ` (${oneLine(r.message)})` : ''}`)}\n`;
  },
  'session.budget_exceeded': (data, event, state) =>
    `${state.paint.yellow(`budget reached: ${data.limit === 'max_cost_usd' ? `$${data.spent} of $${data.max}` : `${data.spent} of ${data.max} tokens`} (session ${event.session_id}); it takes no new run`)}\n`,
  // Shown elsewhere: the prompt was typed by the caller, the final text already streamed as items.
  'message.created': () => '',
  'run.process': () => '',
};

const STATE_EVENTS = new Set(['run.queued', 'run.running', 'run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

export class RunRenderer {
  private readonly state: RenderState;
  /** The item whose streamed text left the cursor mid-line, if any. */
  private openItem: string | null = null;

  constructor(paint: Paint) {
    this.state = { paint, printed: new Map(), announced: new Set() };
  }

  /** The text `event` adds to the run's transcript ('' for nothing). */
  render(event: AgentEvent): string {
    if (STATE_EVENTS.has(event.type)) return '';
    const data = (event.data ?? {}) as Record<string, any>;
    const render = EVENTS[event.type];
    const text = render ? render(data, event, this.state) : `${this.state.paint.dim(`${event.type}: ${oneLine(JSON.stringify(event.data), 120)}`)}\n`;
    const itemId = event.type === 'run.item' && data.item?.id !== undefined ? String(data.item.id) : null;
    return this.place(text, itemId);
  }

  /** Ends a line left open by streamed text, so what follows starts at column 0. */
  finish(): string {
    return this.openItem === null ? '' : this.place('\n', this.openItem);
  }

  /** Only more text of the item that left a line open continues it; anything else starts a new line. */
  private place(text: string, itemId: string | null): string {
    if (text === '') return '';
    const out = this.openItem !== null && itemId !== this.openItem ? `\n${text}` : text;
    this.openItem = out.endsWith('\n') ? null : itemId;
    return out;
  }
}

/** The short description of an item for a status line: what the agent did last. */
export function itemSummary(item: Item): string {
  switch (item.type) {
    case 'command_execution':
      return `$ ${oneLine(item.command, 200)}`;
    case 'tool_use':
      return typeof item.input?.command === 'string' ? `$ ${oneLine(item.input.command, 200)}` : `${item.name}`;
    case 'file_change':
      return `edit ${(Array.isArray(item.changes) ? item.changes : []).map((c: Item) => c.path).join(', ')}`;
    default:
      return oneLine(item.text ?? item.message ?? item.name ?? item.type, 200);
  }
}
