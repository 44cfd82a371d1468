import { describeExit, type ExitInfo, type LineResult, type TurnOutcome, type TurnParser } from '../provider.js';
import { parseJsonLine } from '../json-lines.js';
import type { NewEvent } from '../../protocol/events.js';
import type { AgentItem } from '../../protocol/events.js';

/**
 * Reads `claude -p --output-format stream-json --verbose` output. Assistant content blocks (text,
 * tool calls, thinking) and tool results become `run.item` events; the `result` line carries the
 * final text, usage, cost and whether the turn failed.
 */
export class ClaudeParser implements TurnParser {
  private finalText: string | null = null;
  private usage: Record<string, unknown> | null = null;
  private costUsd: number | null = null;
  private failure: string | null = null;
  private sawResult = false;
  private model: string | null = null;

  onLine(line: string): LineResult {
    const event = parseJsonLine(line);
    return event ? this.onEvent(event) : {};
  }

  /** One already-parsed output message (the conversation driver reads each line once, for control requests too). */
  onEvent(event: Record<string, any>): LineResult {
    switch (event.type) {
      case 'system':
        if (event.subtype === 'init' && typeof event.model === 'string') this.model = event.model;
        return event.subtype === 'init' && typeof event.session_id === 'string' ? { threadId: event.session_id } : {};
      case 'assistant':
        return { events: this.assistantItems(event.message) };
      case 'user':
        return { events: toolResults(event.message) };
      case 'result':
        return this.result(event);
      default:
        return {};
    }
  }

  private assistantItems(message: any): NewEvent[] {
    const blocks: any[] = Array.isArray(message?.content) ? message.content : [];
    const events: NewEvent[] = [];
    blocks.forEach((block, i) => {
      const id = `${message?.id ?? 'msg'}:${i}`;
      if (block?.type === 'text') {
        this.finalText = block.text;
        events.push(item({ id, type: 'agent_message', text: block.text }));
      } else if (block?.type === 'tool_use') {
        events.push(item({ id: block.id ?? id, type: 'tool_use', name: block.name, input: block.input }));
      } else if (block?.type === 'thinking') {
        events.push(item({ id, type: 'reasoning', text: block.thinking }));
      }
    });
    return events;
  }

  private result(event: Record<string, any>): LineResult {
    this.sawResult = true;
    if (typeof event.result === 'string') this.finalText = event.result;
    this.usage = (event.usage as Record<string, unknown>) ?? null;
    this.costUsd = typeof event.total_cost_usd === 'number' ? event.total_cost_usd : null;
    if (event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success')) {
      this.failure = typeof event.result === 'string' && event.result ? event.result : `claude result: ${event.subtype}`;
    }
    return {};
  }

  finish(exit: ExitInfo): TurnOutcome {
    const base = { finalText: this.finalText, usage: this.usage, costUsd: this.costUsd, model: this.model };
    if (this.failure) return { ...base, status: 'failed', error: this.failure };
    if (exit.code !== 0 || exit.spawnError) return { ...base, status: 'failed', error: describeExit(exit) };
    if (!this.sawResult) return { ...base, status: 'failed', error: 'claude exited without a result' };
    return { ...base, status: 'completed', error: null };
  }
}

function item(value: AgentItem): NewEvent {
  return { type: 'run.item', data: { phase: 'completed', item: value } };
}

function toolResults(message: any): NewEvent[] {
  const blocks: any[] = Array.isArray(message?.content) ? message.content : [];
  return blocks
    .filter((b) => b?.type === 'tool_result')
    .map((b) => {
      const content = Array.isArray(b.content)
        ? b.content.map((c: any) => (typeof c?.text === 'string' ? c.text : '')).join('')
        : String(b.content ?? '');
      return item({ id: `${b.tool_use_id}:result`, type: 'tool_result', tool_use_id: b.tool_use_id, text: content, is_error: b.is_error === true });
    });
}
