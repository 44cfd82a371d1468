/**
 * codex's approval prompts as the gateway's `ApprovalAsk`, and the gateway's answer back as
 * codex's decision.
 */
import { relative, isAbsolute } from 'node:path';
import type { ApprovalAsk, ApprovalDecision, ApprovalDecisionKind } from '../conversation.js';
import type { CommandExecutionApprovalDecision } from './protocol/v2/CommandExecutionApprovalDecision.js';
import type { CommandExecutionRequestApprovalParams } from './protocol/v2/CommandExecutionRequestApprovalParams.js';
import type { FileChangeApprovalDecision } from './protocol/v2/FileChangeApprovalDecision.js';
import type { FileChangeRequestApprovalParams } from './protocol/v2/FileChangeRequestApprovalParams.js';
import type { FileUpdateChange } from './protocol/v2/FileUpdateChange.js';
import type { RequestId } from './json-rpc.js';

/**
 * codex offers every decision whatever `availableDecisions` lists (verified: `acceptForSession`
 * and `decline` are honoured under `untrusted`, where the list shows neither), and the gateway
 * keeps its own per-session grants, so a person always gets all three.
 */
const DECISIONS: ApprovalDecisionKind[] = ['approve', 'approve_for_session', 'deny'];

/**
 * Splits a POSIX shell word list (what codex prints: its argv joined with shell quoting) into
 * words. Returns null when the text is not a plain word list (unbalanced quotes).
 */
export function shellWords(text: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let part = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) j++;
        part += text[j];
      }
      if (j >= text.length) return null;
      word = (word ?? '') + part;
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * The command a person reads and an allow rule matches: codex runs every command through a
 * shell (`/bin/bash -lc 'git status'`); the script inside is what the agent asked for.
 */
export function commandLine(command: string): string {
  const words = shellWords(command);
  if (words?.length === 3 && /(^|\/)(ba|z|da)?sh$/.test(words[0]!) && /^-l?c$/.test(words[1]!)) return words[2]!;
  return command;
}

export function commandAsk(id: RequestId, params: CommandExecutionRequestApprovalParams): ApprovalAsk {
  const raw = params.command ?? null;
  return {
    key: String(id),
    action: 'command',
    command: raw === null ? null : commandLine(raw),
    cwd: params.cwd ?? null,
    input: { command: raw, command_actions: params.commandActions ?? null, item_id: params.itemId },
    reason: params.reason ?? null,
    decisions: DECISIONS,
  };
}

/** A file change as a unified diff: codex gives the new content (add), the old (delete) or hunks (update). */
export function unifiedDiff(change: FileUpdateChange, cwd: string): string {
  // Paths relative to the working directory, as git shows them; others from the root (`a/etc/x`).
  const name = (path: string) => {
    const rel = relative(cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path.replace(/^\/+/, '');
  };
  const lines = (text: string) => text.replace(/\n$/, '').split('\n');
  const kind = change.kind;
  if (kind.type === 'add') {
    const body = lines(change.diff);
    return [`--- /dev/null`, `+++ b/${name(change.path)}`, `@@ -0,0 +1,${body.length} @@`, ...body.map((l) => `+${l}`)].join('\n') + '\n';
  }
  if (kind.type === 'delete') {
    const body = lines(change.diff);
    return [`--- a/${name(change.path)}`, `+++ /dev/null`, `@@ -1,${body.length} +0,0 @@`, ...body.map((l) => `-${l}`)].join('\n') + '\n';
  }
  const to = kind.move_path ?? change.path;
  return `--- a/${name(change.path)}\n+++ b/${name(to)}\n${change.diff}`;
}

/** A patch to apply. The changes come from the `fileChange` item codex started just before asking. */
export function fileChangeAsk(id: RequestId, params: FileChangeRequestApprovalParams, changes: FileUpdateChange[], cwd: string): ApprovalAsk {
  return {
    key: String(id),
    action: 'file_change',
    cwd,
    changes: changes.map((c) => ({ path: c.path, kind: c.kind.type, diff: unifiedDiff(c, cwd) })),
    input: { item_id: params.itemId, grant_root: params.grantRoot ?? null },
    reason: params.reason ?? null,
    decisions: DECISIONS,
  };
}

export function commandDecision(answer: ApprovalDecision): CommandExecutionApprovalDecision {
  return fileChangeDecision(answer);
}

/**
 * `decline` lets the turn go on (the model is told the call was rejected); `cancel` ends the turn
 * as interrupted, which is what a cancelled run wants.
 */
export function fileChangeDecision(answer: ApprovalDecision): FileChangeApprovalDecision {
  switch (answer.decision) {
    case 'approve':
      return 'accept';
    case 'approve_for_session':
      return 'acceptForSession';
    case 'deny':
      return 'decline';
    case 'cancel':
      return 'cancel';
  }
}

/**
 * codex's decision has no room for a reason, and all the model hears of a `decline` is "rejected
 * by user". The reason goes in as a message steered into the running turn, sent before the
 * decline so the model's next request carries both.
 */
export function denialNote(ask: ApprovalAsk, message: string): string {
  const what = ask.action === 'command' && ask.command ? `run \`${ask.command}\`` : ask.action === 'file_change' ? 'apply the file changes' : 'do that';
  return `Your request to ${what} was denied: ${message}`;
}
