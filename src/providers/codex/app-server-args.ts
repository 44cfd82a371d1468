/**
 * The `codex app-server` command line and the per-thread settings, from agentd's codex options and
 * the run's approval policy.
 *
 * `--codex-extra-arg`s were written for `codex exec`; app-server takes only config overrides, so
 * the exec flags people use are translated: `-c/--config`, `--enable`, `--disable` pass through;
 * `-m/--model` and `-p/--profile` become `-c` overrides; `-s/--sandbox` and
 * `--dangerously-bypass-approvals-and-sandbox` reshape the `default` policy (the other policies
 * say themselves what codex may do); `--json`, `--color`, `--skip-git-repo-check` mean nothing
 * here and are dropped. Anything else is passed as is, and app-server refuses what it does not
 * know at start, with its own message in the run's error.
 */
import type { ApprovalPolicy } from '../../domain/approval-policy.js';
import type { CodexThreadSettings } from './app-server-driver.js';
import type { SandboxMode } from './protocol/v2/SandboxMode.js';

export interface CodexAppServerOptions {
  bin: string;
  profile: string | null;
  extraArgs: string[];
}

export interface TranslatedArgs {
  /** Arguments after `app-server`. */
  args: string[];
  /** What `-s`/`--dangerously-bypass…` made of the `default` policy, if anything. */
  sandbox: SandboxMode | null;
  bypass: boolean;
}

const DROPPED_FLAGS = new Set(['--json', '--skip-git-repo-check', '--experimental-json']);
const DROPPED_WITH_VALUE = new Set(['--color']);
const BYPASS_FLAGS = new Set(['--dangerously-bypass-approvals-and-sandbox', '--yolo']);

function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function translateExtraArgs(extraArgs: string[]): TranslatedArgs {
  const out: TranslatedArgs = { args: [], sandbox: null, bypass: false };
  for (let i = 0; i < extraArgs.length; i++) {
    const arg = extraArgs[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : extraArgs[++i]);
    if (flag === '-c' || flag === '--config' || flag === '--enable' || flag === '--disable') {
      const v = value();
      if (v !== undefined) out.args.push(flag === '--config' ? '-c' : flag, v);
    } else if (flag === '-m' || flag === '--model') {
      const v = value();
      if (v !== undefined) out.args.push('-c', `model=${tomlString(v)}`);
    } else if (flag === '-p' || flag === '--profile') {
      const v = value();
      if (v !== undefined) out.args.push('-c', `profile=${tomlString(v)}`);
    } else if (flag === '-s' || flag === '--sandbox') {
      const v = value();
      if (v === 'read-only' || v === 'workspace-write' || v === 'danger-full-access') out.sandbox = v;
    } else if (BYPASS_FLAGS.has(flag)) {
      out.bypass = true;
    } else if (DROPPED_WITH_VALUE.has(flag)) {
      if (eq < 0) i++;
    } else if (!DROPPED_FLAGS.has(flag)) {
      out.args.push(arg);
    }
  }
  return out;
}

/**
 * argv of one turn's process. Tool commands run in non-login shells (docs/decisions.md): a login
 * shell re-reads /etc/profile and drops the `agentctl` agentd put first on PATH. Later `-c` values
 * win, so an extra arg can turn it back on.
 */
export function appServerArgv(opts: CodexAppServerOptions): string[] {
  const argv = [opts.bin, 'app-server', '-c', 'allow_login_shell=false'];
  if (opts.profile) argv.push('-c', `profile=${tomlString(opts.profile)}`);
  argv.push(...translateExtraArgs(opts.extraArgs).args);
  return argv;
}

/**
 * What codex is told per policy (docs/decisions.md, "codex approvals"):
 * - `default`: codex's own interactive default — the workspace-write sandbox, and it asks when it
 *   needs to go beyond it (`on-request`); reshaped by `-s`/`--dangerously-bypass…` extra args;
 * - `ask`: codex asks before every command that is not known to be read-only (`untrusted`);
 * - `auto`: codex asks the same way and the gateway approves each, on record; the sandbox is off,
 *   since everything is approved anyway (for machines that are themselves the sandbox);
 * - `deny`: codex asks and the gateway declines; the sandbox is read-only, so even what codex
 *   runs without asking cannot write.
 */
export function threadSettings(policy: ApprovalPolicy, extraArgs: string[]): CodexThreadSettings {
  switch (policy) {
    case 'ask':
      return { approvalPolicy: 'untrusted', sandbox: 'workspace-write' };
    case 'auto':
      return { approvalPolicy: 'untrusted', sandbox: 'danger-full-access' };
    case 'deny':
      return { approvalPolicy: 'untrusted', sandbox: 'read-only' };
    case 'default': {
      const { sandbox, bypass } = translateExtraArgs(extraArgs);
      if (bypass) return { approvalPolicy: 'never', sandbox: 'danger-full-access' };
      return { approvalPolicy: 'on-request', sandbox: sandbox ?? 'workspace-write' };
    }
  }
}
