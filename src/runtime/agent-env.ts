import { delimiter } from 'node:path';
import type { Run, Session } from '../protocol/schemas.js';
import { BIN_DIR } from '../paths.js';

/**
 * The environment of an agent process: the user's own (codex and claude read their config from
 * it), the AGENTD_* variables that let the agent call back, and `agentctl` first on PATH.
 * Operator tokens of the daemon are never passed down; the agent gets a token scoped to its run.
 */
export function agentEnvironment(base: NodeJS.ProcessEnv, daemonUrl: string, run: Run, session: Session, runToken: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of ['AGENTD_AUTH_TOKEN', 'AGENTD_AUTH_TOKENS', 'AGENTCTL_AUTH_TOKEN', 'AGENTD_TOKEN']) delete env[key];
  env.AGENTD_URL = daemonUrl;
  env.AGENTD_TOKEN = runToken;
  env.AGENTD_RUN_ID = run.id;
  env.AGENTD_SESSION_ID = session.id;
  if (run.parent_run_id) env.AGENTD_PARENT_RUN_ID = run.parent_run_id;
  else delete env.AGENTD_PARENT_RUN_ID;
  delete env.AGENTCTL_URL;
  env.PATH = [BIN_DIR, base.PATH ?? ''].filter(Boolean).join(delimiter);
  return env;
}
