/**
 * Approval policies, named for what they do, and the rules that answer an ask without a person.
 * The vendor CLIs are started according to the policy (by their drivers); agentd's gate applies it
 * again to every ask that reaches it. No I/O here.
 */
export const APPROVAL_POLICIES = ['default', 'ask', 'auto', 'deny'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export function isApprovalPolicy(value: string): value is ApprovalPolicy {
  return (APPROVAL_POLICIES as readonly string[]).includes(value);
}

/** The policy and allow rules in force for one turn: the session's, else the daemon's. */
export interface ResolvedApprovals {
  policy: ApprovalPolicy;
  /** Command prefixes or tool names that never ask (daemon rules first, then the session's). */
  allow: string[];
}

/** What a person (or policy, or a rule) can answer. */
export const APPROVAL_DECISIONS = ['approve', 'approve_for_session', 'deny'] as const;
export type ApprovalDecisionKind = (typeof APPROVAL_DECISIONS)[number];

export const APPROVAL_ACTIONS = ['command', 'file_change', 'tool'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

/** open until answered; `expired` (timeout, daemon restart) and `cancelled` (run stopped) end it without an answer. */
export const APPROVAL_STATES = ['open', 'answered', 'expired', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** Who or what settled an approval. */
export const ANSWERED_BY = ['person', 'agent', 'rule', 'session_grant', 'policy', 'timeout', 'run_ended', 'daemon_stopped'] as const;
export type AnsweredByKind = (typeof ANSWERED_BY)[number];

/** The part of an ask the rules look at. */
export interface AskSubject {
  action: ApprovalAction;
  command?: string | null;
  tool?: string | null;
  changes?: { path: string }[] | null;
}

/** What "approve for the rest of the session" remembers. */
export interface Grant {
  kind: 'command' | 'tool' | 'file_change';
  value: string;
}

// Anything that chains, pipes, redirects or substitutes: a command with one of these is more than
// the prefix it starts with (`git status && rm -rf ~` must not pass for `git status`).
const SHELL_CONTROL = /[;&|<>`$\n\r(){}]/;

const words = (command: string) => command.trim().split(/\s+/).filter(Boolean);

/**
 * Whether `command` is covered by `prefix`: the same words, or the prefix's words followed by more
 * arguments — and then only a plain command with no shell control characters.
 */
export function commandMatches(prefix: string, command: string): boolean {
  // A compound command is covered only by exactly itself.
  if (SHELL_CONTROL.test(command)) return prefix.trim() === command.trim();
  const want = words(prefix);
  const have = words(command);
  return want.length > 0 && have.length >= want.length && want.every((w, i) => w === have[i]);
}

/** The allow rule that covers the ask, if any: a tool name, or a command prefix. */
export function matchingRule(ask: AskSubject, rules: readonly string[]): string | undefined {
  return rules.find((rule) => (ask.tool && ask.tool === rule) || (ask.command ? commandMatches(rule, ask.command) : false));
}

/** What approving this ask for the session grants. A command grants its prefix; a tool its name; a file change its paths. */
export function grantsFor(ask: AskSubject): Grant[] {
  if (ask.command) return [{ kind: 'command', value: words(ask.command).join(' ') }];
  if (ask.action === 'file_change') return (ask.changes ?? []).map((c) => ({ kind: 'file_change', value: c.path }));
  if (ask.tool) return [{ kind: 'tool', value: ask.tool }];
  return [];
}

/** Whether the session's grants already cover the ask. */
export function coveredByGrants(ask: AskSubject, grants: readonly Grant[]): Grant | undefined {
  if (ask.command) return grants.find((g) => g.kind === 'command' && commandMatches(g.value, ask.command!));
  if (ask.action === 'file_change') {
    const paths = (ask.changes ?? []).map((c) => c.path);
    if (paths.length === 0) return undefined;
    const granted = new Set(grants.filter((g) => g.kind === 'file_change').map((g) => g.value));
    return paths.every((p) => granted.has(p)) ? { kind: 'file_change', value: paths.join(', ') } : undefined;
  }
  if (ask.tool) return grants.find((g) => g.kind === 'tool' && g.value === ask.tool);
  return undefined;
}

/** One line saying what the agent wants, for lists, events and diagnose. */
export function summarizeAsk(ask: AskSubject & { cwd?: string | null; input?: unknown }): string {
  const short = (s: string, max = 160) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  if (ask.command) return short(`run \`${ask.command.replace(/\s+/g, ' ').trim()}\`${ask.cwd ? ` in ${ask.cwd}` : ''}`);
  if (ask.action === 'file_change') {
    const paths = (ask.changes ?? []).map((c) => c.path);
    return short(`change ${paths.length} file${paths.length === 1 ? '' : 's'}${paths.length ? `: ${paths.join(', ')}` : ''}`);
  }
  const input = ask.input === undefined || ask.input === null ? '' : ` ${JSON.stringify(ask.input)}`;
  return short(`use ${ask.tool ?? 'a tool'}${input}`);
}
