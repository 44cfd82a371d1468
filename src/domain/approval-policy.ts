/**
 * Approval policies, named for what they do. The vendor CLIs are started according to the policy
 * (by their drivers); agentd's own gate applies it to every ask that reaches it.
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
