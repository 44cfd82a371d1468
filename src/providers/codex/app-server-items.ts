/**
 * app-server items in the shapes `codex exec --json` prints, which `run.item` events have always
 * carried (docs/api-contract.md): clients and agentctl read `agent_message.text`,
 * `command_execution.command/aggregated_output/exit_code/status` and so on, whichever way codex
 * was run. app-server names things in camelCase (`commandExecution`, `aggregatedOutput`); the
 * mapping below is the one place that knows both.
 */
import type { ThreadItem } from './protocol/v2/ThreadItem.js';
import type { TokenUsageBreakdown } from './protocol/v2/TokenUsageBreakdown.js';
import type { TurnPlanStep } from './protocol/v2/TurnPlanStep.js';

export type RunItem = Record<string, unknown> & { id: string; type: string };

/** `inProgress` → `in_progress`; the other statuses are one word already. */
function status(value: string): string {
  return value === 'inProgress' ? 'in_progress' : value;
}

/** `commandExecution` → `command_execution`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The exec-shaped item for an app-server item, or null for items exec never printed (the prompt). */
export function toRunItem(item: ThreadItem): RunItem | null {
  switch (item.type) {
    case 'userMessage':
    case 'hookPrompt':
      return null;
    case 'agentMessage':
      return { id: item.id, type: 'agent_message', text: item.text };
    case 'reasoning':
      return { id: item.id, type: 'reasoning', text: (item.summary.length > 0 ? item.summary : item.content).join('\n\n') };
    case 'commandExecution':
      return {
        id: item.id,
        type: 'command_execution',
        command: item.command,
        aggregated_output: item.aggregatedOutput ?? '',
        exit_code: item.exitCode,
        status: status(item.status),
      };
    case 'fileChange':
      return {
        id: item.id,
        type: 'file_change',
        changes: item.changes.map((c) => ({ path: c.path, kind: c.kind.type })),
        status: status(item.status),
      };
    case 'mcpToolCall':
      return {
        id: item.id,
        type: 'mcp_tool_call',
        server: item.server,
        tool: item.tool,
        arguments: item.arguments,
        result: item.result ? { content: item.result.content, structured_content: item.result.structuredContent } : null,
        error: item.error ? { message: item.error.message } : null,
        status: status(item.status),
      };
    case 'webSearch':
      return { id: item.id, type: 'web_search', query: item.query };
    default: {
      // Newer or rarer items (sub-agents, images, reviews…) pass through under their snake_case name.
      const { type, startedAtMs: _started, completedAtMs: _completed, ...rest } = item;
      return { ...rest, id: item.id, type: snakeCase(type) } as RunItem;
    }
  }
}

/** exec prints a turn's plan as a `todo_list` item. */
export function planItem(turnId: string, plan: TurnPlanStep[]): RunItem {
  return { id: `plan_${turnId}`, type: 'todo_list', items: plan.map((s) => ({ text: s.step, completed: s.status === 'completed' })) };
}

/** A turn's token usage in exec's `turn.completed.usage` shape. */
export interface TurnUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
}

export function addUsage(sum: TurnUsage | null, last: TokenUsageBreakdown): TurnUsage {
  return {
    input_tokens: (sum?.input_tokens ?? 0) + last.inputTokens,
    cached_input_tokens: (sum?.cached_input_tokens ?? 0) + last.cachedInputTokens,
    cache_write_input_tokens: (sum?.cache_write_input_tokens ?? 0) + last.cacheWriteInputTokens,
    output_tokens: (sum?.output_tokens ?? 0) + last.outputTokens,
    reasoning_output_tokens: (sum?.reasoning_output_tokens ?? 0) + last.reasoningOutputTokens,
  };
}
