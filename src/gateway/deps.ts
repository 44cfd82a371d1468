import type { SessionService } from '../services/sessions.js';
import type { RunService } from '../services/runs.js';
import type { DelegationService } from '../services/delegation.js';
import type { WorkspaceService } from '../services/workspaces.js';
import type { SpendService } from '../services/spend.js';
import type { ApprovalService } from '../services/approvals.js';
import type { RunTokens } from '../services/run-tokens.js';
import type { SignIns } from '../services/sign-ins.js';
import type { IdempotencyGuard } from './idempotency.js';
import type { DaemonStatus } from '../protocol/schemas.js';
import type { TokenRegistry } from './auth.js';
import type { StreamContext } from './streams/context.js';
import type { WebhookService } from '../services/webhooks.js';
import type { PushService } from '../services/push.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { BackupService } from '../services/backup.js';
import type { Check } from '../doctor/check.js';

/** What route plugins are given: services, never the store itself. */
export interface GatewayDeps {
  sessions: SessionService;
  runs: RunService;
  delegation: DelegationService;
  workspaces: WorkspaceService;
  spend: SpendService;
  approvals: ApprovalService;
  runTokens: RunTokens;
  idempotency: IdempotencyGuard;
  tokens: TokenRegistry;
  signIns: SignIns;
  streams: StreamContext;
  webhooks: WebhookService;
  push: PushService;
  status: () => Promise<DaemonStatus>;
  version: string;
  metrics: DaemonMetrics;
  backup: BackupService;
  /** The daemon's self-checks (GET /daemon/doctor). */
  doctor: () => Promise<Check[]>;
}
