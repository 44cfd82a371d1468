/**
 * Checks events against the catalogue the OpenAPI document publishes (src/protocol/events.ts).
 * Every test daemon runs each committed event through it (test/support/daemon.ts), so any event a
 * test provokes that the document does not describe fails that test file.
 */
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { EVENT_TYPES, EventVariants, type EventType } from '../../src/protocol/events.js';
import type { AgentEvent } from '../../src/protocol/schemas.js';

// TypeBox refuses formats it does not know; the store writes ISO-8601 UTC with milliseconds.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)));
}

const checks = new Map<string, TypeCheck<any>>(EVENT_TYPES.map((type, i) => [type, TypeCompiler.Compile(EventVariants[i]!)]));

/** Why the event does not match its catalogued variant, or null when it does. */
export function eventMismatch(event: AgentEvent): string | null {
  const { type, id } = event;
  const check = checks.get(type as EventType);
  if (!check) return `${type} is not in the event catalogue`;
  if (check.Check(event)) return null;
  const errors = [...check.Errors(event)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
  return `${type} ${id}: ${errors.join('; ')}`;
}
