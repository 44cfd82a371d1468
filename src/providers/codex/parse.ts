import { describeExit, type ExitInfo, type LineResult, type TurnOutcome, type TurnParser } from '../provider.js';
import { parseJsonLine } from '../json-lines.js';
import type { AgentItem } from '../../protocol/events.js';

const ITEM_PHASES = { 'item.started': 'started', 'item.updated': 'updated', 'item.completed': 'completed' } as const;

/**
 * Reads `codex exec --json` output. Every `item.*` event becomes a `run.item` event with the item
 * whole. The run fails on a top-level `turn.failed` or `error` event or a non-zero exit — not on an
 * `error` *item*, which codex also uses for warnings (e.g. unknown model metadata) and then goes on.
 */
export class CodexParser implements TurnParser {
  private finalText: string | null = null;
  private usage: Record<string, unknown> | null = null;
  private failure: string | null = null;

  onLine(line: string): LineResult {
    const event = parseJsonLine(line);
    if (!event) return {};
    const type = String(event.type ?? '');
    switch (type) {
      case 'thread.started':
        return typeof event.thread_id === 'string' ? { threadId: event.thread_id } : {};
      case 'item.started':
      case 'item.updated':
      case 'item.completed': {
        const item = event.item as AgentItem | undefined;
        if (!item) return {};
        if (type === 'item.completed' && item.type === 'agent_message' && typeof item.text === 'string') {
          this.finalText = item.text;
        }
        return { events: [{ type: 'run.item', data: { phase: ITEM_PHASES[type], item } }] };
      }
      case 'turn.completed':
        this.usage = (event.usage as Record<string, unknown>) ?? null;
        return {};
      case 'turn.failed':
        this.failure = messageOf(event.error) ?? 'codex reported turn.failed';
        return { events: [{ type: 'run.provider_error', data: { event } }] };
      case 'error':
        this.failure = messageOf(event) ?? 'codex reported an error';
        return { events: [{ type: 'run.provider_error', data: { event } }] };
      default:
        return {};
    }
  }

  finish(exit: ExitInfo): TurnOutcome {
    const base = { finalText: this.finalText, usage: this.usage, costUsd: null };
    if (this.failure) {
      const tail = exit.stderrTail.trim();
      return { ...base, status: 'failed', error: tail ? `${this.failure} (stderr: ${tail.slice(-1000)})` : this.failure };
    }
    if (exit.code !== 0 || exit.spawnError) return { ...base, status: 'failed', error: describeExit(exit) };
    return { ...base, status: 'completed', error: null };
  }
}

function messageOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message;
  }
  return null;
}
