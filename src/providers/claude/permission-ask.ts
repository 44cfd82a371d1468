/**
 * claude's `can_use_tool` permission prompt, as one normalised approval: a shell command with its
 * cwd, a file change with a diff, or any other tool with its input.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { ApprovalAsk } from '../conversation.js';
import { unifiedDiff } from '../unified-diff.js';

/** The tools that change files, and whose input says how. */
export const FILE_TOOLS = ['Edit', 'MultiEdit', 'Write', 'NotebookEdit'] as const;
/** Files larger than this are not read to show a diff; the tool input still says what changes. */
const MAX_DIFF_SOURCE_BYTES = 1024 * 1024;

/** The `request` of a `{type:"control_request", request:{subtype:"can_use_tool", …}}` line. */
export interface CanUseToolRequest {
  tool_name?: unknown;
  input?: unknown;
  description?: unknown;
}

type Change = NonNullable<ApprovalAsk['changes']>[number];

/**
 * `cwd` is the session's directory: claude's shell starts there, and relative paths in a file
 * tool's input are read from there.
 */
export function approvalAskFor(key: string, request: CanUseToolRequest, cwd: string): ApprovalAsk {
  const tool = typeof request.tool_name === 'string' ? request.tool_name : 'unknown';
  const input: Record<string, unknown> = isRecord(request.input) ? request.input : {};
  const base = { key, tool, input, decisions: ['approve', 'approve_for_session', 'deny'] as ApprovalAsk['decisions'] };
  if (tool === 'Bash' && typeof input.command === 'string') {
    // The model's own one-line account of the command is the closest thing to a reason claude gives.
    return { ...base, action: 'command', command: input.command, cwd, reason: text(input.description) };
  }
  const change = fileChange(tool, input, cwd);
  if (change) return { ...base, action: 'file_change', changes: [change], reason: null };
  return { ...base, action: 'tool', reason: text(request.description) };
}

function fileChange(tool: string, input: Record<string, unknown>, cwd: string): Change | null {
  if (tool === 'NotebookEdit' && typeof input.notebook_path === 'string') {
    // A cell edit of a JSON notebook: its input (cell id, new source) says more than a JSON diff would.
    return { path: input.notebook_path, kind: input.edit_mode === 'insert' ? 'add' : input.edit_mode === 'delete' ? 'delete' : 'update', diff: null };
  }
  if (typeof input.file_path !== 'string') return null;
  const path = input.file_path;
  const before = readSource(resolve(cwd, path));
  const shown = displayPath(path, cwd);
  if (tool === 'Write' && typeof input.content === 'string') {
    return { path, kind: before === null ? 'add' : 'update', diff: before === undefined ? null : unifiedDiff(shown, before, input.content) };
  }
  const edits = tool === 'Edit' ? [input] : tool === 'MultiEdit' && Array.isArray(input.edits) ? input.edits : null;
  if (!edits) return null;
  const after = typeof before === 'string' ? applyEdits(before, edits) : null;
  return { path, kind: 'update', diff: after === null ? null : unifiedDiff(shown, before as string, after) };
}

/** The file's text; null when it does not exist; undefined when it cannot or should not be read. */
function readSource(path: string): string | null | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_DIFF_SOURCE_BYTES) return undefined;
    return readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

/**
 * The text after claude's string replacements, or null when one of them would not apply (claude
 * refuses those too, so there is no change to show).
 */
function applyEdits(text: string, edits: unknown[]): string | null {
  let out = text;
  for (const edit of edits) {
    if (!isRecord(edit) || typeof edit.old_string !== 'string' || typeof edit.new_string !== 'string') return null;
    const { old_string: from, new_string: to } = edit;
    if (from === '') {
      // An empty old_string creates the file's content (claude's way to fill an empty file).
      if (out !== '') return null;
      out = to;
    } else if (!out.includes(from)) {
      return null;
    } else {
      out = edit.replace_all === true ? out.split(from).join(to) : out.replace(from, () => to);
    }
  }
  return out;
}

/** A path inside the session's directory is shown relative to it, as a person reads a patch. */
function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
