/**
 * Wire schemas of approvals: a request of kind `approval` on the `requests` resource, beside the
 * escalations of schemas.ts (RequestSchema). Written once, like every wire schema.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  ANSWERED_BY, APPROVAL_ACTIONS, APPROVAL_DECISIONS, APPROVAL_POLICIES, APPROVAL_STATES,
} from '../domain/approval-policy.js';
import { literals, Nullable, RequestSchema, Timestamp } from './schemas.js';


export const ApprovalPolicySchema = literals(APPROVAL_POLICIES, { title: 'ApprovalPolicy' });
export const ApprovalDecisionSchema = literals(APPROVAL_DECISIONS, { title: 'ApprovalDecision' });

export const AnsweredBySchema = Type.Object({
  kind: literals(ANSWERED_BY),
  principal: Nullable(Type.String({ description: 'the principal id of a person who answered' })),
  run_id: Nullable(Type.String({ description: 'the run of a parent agent that answered' })),
  rule: Nullable(Type.String({ description: 'the allow rule or session grant that matched' })),
}, { title: 'AnsweredBy' });
export type AnsweredBy = Static<typeof AnsweredBySchema>;

export const answeredBy = (kind: AnsweredBy['kind'], extra: Partial<Omit<AnsweredBy, 'kind'>> = {}): AnsweredBy =>
  ({ kind, principal: null, run_id: null, rule: null, ...extra });

export const FileChangeSchema = Type.Object({
  path: Type.String(),
  kind: Type.String({ description: 'add, delete, update…, as the agent says' }),
  diff: Nullable(Type.String({ description: 'unified diff when known' })),
}, { title: 'FileChange' });

export const ApprovalRequestSchema = Type.Object({
  id: Type.String(),
  kind: Type.Literal('approval'),
  state: literals(APPROVAL_STATES),
  session_id: Type.String({ description: 'the session whose run asks' }),
  run_id: Type.String({ description: 'the run that asks and waits' }),
  parent_session_id: Nullable(Type.String({ description: 'where it is routed: the parent session of a child; null for a root session (its owner answers)' })),
  action: literals(APPROVAL_ACTIONS),
  command: Nullable(Type.String()),
  cwd: Nullable(Type.String()),
  tool: Nullable(Type.String()),
  input: Type.Unknown({ description: "the tool's input as the agent gave it, or null" }),
  changes: Nullable(Type.Array(FileChangeSchema)),
  reason: Nullable(Type.String({ description: 'why the agent asks, when it says' })),
  decisions: Type.Array(ApprovalDecisionSchema, { description: 'the decisions this ask accepts' }),
  text: Type.String({ description: 'one line saying what the agent wants' }),
  decision: Nullable(ApprovalDecisionSchema),
  message: Nullable(Type.String({ description: 'what the agent was told with a deny, an expiry or a cancel' })),
  answered_by: Nullable(AnsweredBySchema),
  created_at: Timestamp,
  answered_at: Nullable(Timestamp),
}, { title: 'ApprovalRequest' });
export type ApprovalRequest = Static<typeof ApprovalRequestSchema>;

/** Any request: an escalation from a child (RequestSchema) or an approval. */
export const AnyRequestSchema = Type.Union([RequestSchema, ApprovalRequestSchema], { title: 'AnyRequest' });
export type AnyRequest = Static<typeof AnyRequestSchema>;

export const REQUEST_STATES = ['open', 'answered', 'noted', 'expired', 'cancelled'] as const;
export const RequestStateSchema = literals(REQUEST_STATES, { title: 'RequestState' });
