/**
 * Mode `sigkill`: one agentd, killed with SIGKILL at random moments and started again on the same
 * database and port, as a crash followed by a service manager's restart would. Most kills hit a
 * serving daemon; some land the moment it listens (recovery just done, every client piling back
 * in), and some while it is still starting (migrations, the lock, recovery of the runs it found).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentd, type AgentdProcess } from '../support/agentd.js';
import { AGENTD_BIN } from '../support/repo.js';
import type { ChaosMode, ChaosTarget, ModeOptions } from './modes.js';
import { pause } from './random.js';

/** Share of kills made the moment the daemon is listening. */
const AT_ONCE = 0.15;
/** Share of restarts killed again before they listen. */
const WHILE_STARTING = 0.15;

export const sigkillMode: ChaosMode = {
  name: 'sigkill',
  description: 'one agentd, SIGKILL at random moments (also while it starts), restarted on the same database and port',
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
    const keepLog = (output: string) => writeFileSync(join(options.dataDir, `agentd-${generation++}.log`), output);
    let current = await startAgentd(args);
    let starting: ChildProcess | undefined;
    const interrupted = () => {
      if (options.signal.aborted) throw new Error('interrupted');
    };
    // An interrupted harness must not leave a daemon behind: kill whichever runs or starts now.
    options.signal.addEventListener('abort', () => {
      current.child.kill('SIGKILL');
      starting?.kill('SIGKILL');
    }, { once: true });
    // Every restart listens where the first daemon did: clients reconnect to the URL they know.
    const url = current.url;
    const port = new URL(url).port;
    const restartArgs = [...args, '--port', port];
    options.log(`agentd listening at ${url} (pid ${current.child.pid})`);

    /**
     * Starts the next daemon on the port. On a busy machine another process may have been given the
     * port (a listen on port 0, an outgoing connection) in the seconds it was free: try again, as a
     * service manager would, rather than call it a finding.
     */
    async function restart(): Promise<AgentdProcess> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await startAgentd(restartArgs, {}, AGENTD_BIN, (c) => (starting = c));
        } catch (err) {
          const output = (err as Error).message;
          if (!/is already in use/.test(output) || attempt === 20 || options.signal.aborted) throw err;
          keepLog(output);
          options.log(`port ${port} is taken; starting again (attempt ${attempt + 1})`);
          await pause(250, options.signal);
        }
      }
    }

    /** Starts a daemon and SIGKILLs it `delay` ms after spawning, whether it listens by then or not. */
    async function killWhileStarting(delay: number): Promise<{ listened: boolean } | null> {
      let child!: ChildProcess;
      // onSpawn runs before startAgentd returns: the child is known from here on.
      const launch = startAgentd(restartArgs, {}, AGENTD_BIN, (c) => (starting = child = c));
      const outcome = launch.then(
        (daemon) => ({ listened: true, output: () => daemon.output() }),
        (err: Error) => ({ listened: false, output: () => err.message }),
      );
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })));
      await pause(delay, options.signal);
      child.kill('SIGKILL');
      const { code, signal } = await exited;
      const { listened, output } = await outcome;
      keepLog(output());
      if (signal === 'SIGKILL') return { listened };
      // The port was taken meanwhile (see restart): no kill happened; the caller tries again.
      if (/is already in use/.test(output())) return null;
      // A daemon that exited before the kill could not start: that is a finding, not a kill.
      throw new Error(`agentd exited with ${code} while starting after a crash:\n${output()}`);
    }

    return {
      url,
      async injectFaults() {
        let kills = 0;
        while (kills < options.kills) {
          const gap = options.random.chance(AT_ONCE) ? 0 : options.random.int(options.minGapMs, options.maxGapMs);
          if (gap > 0) await options.nextAcknowledgement();
          await pause(gap, options.signal);
          interrupted();
          await current.kill9();
          kills++;
          keepLog(current.output());
          options.log(`kill ${kills}/${options.kills}: ${gap ? `${gap} ms after an acknowledgement` : 'the moment it listened'}`);
          while (kills < options.kills && options.random.chance(WHILE_STARTING)) {
            const delay = options.random.int(0, 2 * options.maxGapMs);
            const killed = await killWhileStarting(delay);
            interrupted();
            if (!killed) continue;
            kills++;
            options.log(`kill ${kills}/${options.kills}: ${delay} ms after spawning (${killed.listened ? 'it was listening' : 'before it listened'})`);
          }
          current = await restart();
          interrupted();
        }
        return { kills };
      },
      async stop() {
        const code = await current.stop();
        keepLog(current.output());
        return code;
      },
      async abort() {
        if (current.child.exitCode === null && current.child.signalCode === null) await current.kill9();
        keepLog(current.output());
      },
    };
  },
};
