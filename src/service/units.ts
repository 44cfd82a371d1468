/**
 * The files that make agentd a service: a systemd user unit (Linux), a launchd agent (macOS),
 * and the environment file both read. Rendering is pure, so tests check the exact text.
 */

export interface ServiceSpec {
  /** Absolute node executable and agentd launcher. */
  node: string;
  script: string;
  /** agentd's flags, without secrets (those go in the environment file). */
  args: string[];
  workingDirectory: string;
  envFile: string;
  docs: string;
}

export const SYSTEMD_UNIT_NAME = 'agentd.service';
export const LAUNCHD_LABEL = 'dev.agent-orchestrator.agentd';

/** systemd's ExecStart word quoting: double quotes with C escapes; `%` and `$` are special too. */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Path settings take the rest of the line literally, spaces included; only specifiers need escaping. */
const systemdPath = (path: string) => path.replace(/%/g, '%%');

export function renderSystemdUnit(spec: ServiceSpec): string {
  const exec = [spec.node, spec.script, ...spec.args].map(systemdWord).join(' ');
  return `# Written by \`agentd service install\`; rewrite it with the same command rather than by hand.
[Unit]
Description=agentd, the agent-orchestrator gateway daemon
Documentation=file://${spec.docs}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
WorkingDirectory=${systemdPath(spec.workingDirectory)}
EnvironmentFile=${systemdPath(spec.envFile)}
ExecStart=${exec}
Restart=on-failure
RestartSec=2
# Exit 2 is a configuration error: restarting cannot fix it.
RestartPreventExitStatus=2
# SIGTERM to agentd alone: it stops its agents' process groups itself, then exits.
KillMode=mixed
TimeoutStopSec=60
# Logs (JSON lines, stdout is not a terminal) go to the journal: journalctl --user -u agentd

[Install]
WantedBy=default.target
`;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * launchd has no environment file: node reads it (`--env-file`, Node ≥ 20.6). Logs go to a rotated
 * file with --log-file; launchd's own stdout/stderr files catch what is printed before logging starts.
 */
export function renderLaunchdPlist(spec: ServiceSpec, logDir: string): string {
  const logFile = spec.args.includes('--log-file') ? [] : ['--log-file', `${logDir}/agentd.log`];
  const argv = [spec.node, `--env-file=${spec.envFile}`, spec.script, ...spec.args, ...logFile];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`agentd service install\`; rewrite it with the same command rather than by hand. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${argv.map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
  <key>WorkingDirectory</key>
  <string>${xml(spec.workingDirectory)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>ExitTimeOut</key>
  <integer>60</integer>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardOutPath</key>
  <string>${xml(logDir)}/agentd.stdout.log</string>
  <key>StandardErrorPath</key>
  <string>${xml(logDir)}/agentd.stderr.log</string>
</dict>
</plist>
`;
}

export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

/** Characters both systemd's EnvironmentFile and node's --env-file read literally in an unquoted value. */
const SAFE_VALUE = /^[^\s"'`\\#$][^\n"'`\\#$]*$/;

/** `KEY=value` lines; a value either reader would mangle is refused rather than written wrong. */
export function renderEnvFile(values: Record<string, string>): string {
  const lines = ['# agentd service environment (agentd service install). Keep it private: it may hold tokens.'];
  for (const [key, value] of Object.entries(values)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new EnvFileError(`${key} is not a valid environment variable name`);
    if (value !== '' && (!SAFE_VALUE.test(value) || value !== value.trimEnd())) {
      throw new EnvFileError(`the value of ${key} has characters an environment file cannot carry unquoted (quotes, backslash, #, $, spaces at the ends, newlines); write it into the file by hand`);
    }
    lines.push(`${key}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Reads `KEY=value` lines back (comments and blanks skipped), so hand-added keys survive a reinstall. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}
