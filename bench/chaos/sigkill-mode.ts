/**
 * Mode `sigkill`: one agentd, killed with SIGKILL at random moments and started again on the same
 * database and port, as a crash followed by a service manager's restart would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentd, type AgentdProcess } from '../support/agentd.js';
import type { ChaosMode, ChaosTarget, ModeOptions } from './modes.js';
import { pause } from './random.js';

/** Share of kills made the moment the daemon is listening: just after recovery, while clients pile back in. */
const AT_ONCE = 0.15;

export const sigkillMode: ChaosMode = {
  name: 'sigkill',
  description: 'one agentd, SIGKILL at random moments, restarted on the same database and port',
  async start(options: ModeOptions): Promise<ChaosTarget> {
    const args = [
      '--db', join(options.dataDir, 'agentd.db'),
      '--default-provider', 'command',
      '--command-bin', options.agentArgv[0]!,
      ...options.agentArgv.slice(1).flatMap((arg) => ['--command-arg', arg]),
      '--max-concurrency', String(options.concurrency),
      '--log-format', 'json',
    ];
    let generation = 0;
    const keepLog = (daemon: AgentdProcess) => writeFileSync(join(options.dataDir, `agentd-${generation}.log`), daemon.output());
    let current = await startAgentd(args);
    // Every restart listens where the first daemon did: clients reconnect to the URL they know.
    const url = current.url;
    const port = new URL(url).port;
    options.log(`agentd listening at ${url} (pid ${current.child.pid})`);

    return {
      url,
      async injectFaults() {
        let kills = 0;
        while (kills < options.kills) {
          const gap = options.random.chance(AT_ONCE) ? 0 : options.random.int(options.minGapMs, options.maxGapMs);
          await pause(gap);
          await current.kill9();
          kills++;
          keepLog(current);
          generation++;
          current = await startAgentd([...args, '--port', port]);
          options.log(`kill ${kills}/${options.kills} after ${gap} ms; restarted (pid ${current.child.pid})`);
        }
        return { kills };
      },
      async stop() {
        const code = await current.stop();
        keepLog(current);
        return code;
      },
      async abort() {
        if (current.child.exitCode === null && current.child.signalCode === null) await current.kill9();
        keepLog(current);
      },
    };
  },
};
