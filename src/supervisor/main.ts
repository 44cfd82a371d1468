/**
 * The supervisor: one small process per run, started detached by agentd in its own session and
 * process group, so that agentd can stop, crash or be upgraded while the agent works on.
 *
 *   node supervisor/main.js <spool dir>        (the spec arrives as one JSON line on stdin)
 *
 * It owns the agent's stdin and stdout, holds the turn's conversation through the provider's
 * driver, appends every record to the run's spool, and serves agentd on a Unix socket: attach,
 * answers, stop, acknowledgements. It never outlives its run: it exits once the agent has exited
 * and the exit is recorded, when told to stop the turn, or — before the agent even started — when
 * agentd goes away without attaching.
 */
import { createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { buildProviders } from '../providers/registry.js';
import { SpoolWriter, ensureSocketDir } from './spool.js';
import { TurnHost } from './turn-host.js';
import { readMessages, sendMessage, SUPERVISOR_PROTOCOL, type SupervisorSpec, type ToSupervisor } from './wire.js';
import type { TurnRecord } from './records.js';

function log(message: string, err?: unknown): void {
  const detail = err instanceof Error ? `: ${err.message}` : err === undefined ? '' : `: ${String(err)}`;
  process.stderr.write(`${new Date().toISOString()} supervisor ${process.pid}: ${message}${detail}\n`);
}

/** The first line of stdin; null if stdin ends first (agentd died while starting us). */
function readSpecLine(): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData);
      resolve(text.slice(0, nl));
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.once('end', () => resolve(null));
  });
}

async function main(): Promise<void> {
  const line = await readSpecLine();
  if (line === null) return log('stdin ended before the spec arrived; nothing started');
  const spec = JSON.parse(line) as SupervisorSpec;
  if (spec.protocol !== SUPERVISOR_PROTOCOL) throw new Error(`spec of protocol ${spec.protocol}, this supervisor speaks ${SUPERVISOR_PROTOCOL}`);
  const provider = buildProviders(spec.providers).get(spec.provider);
  if (!provider) throw new Error(`provider "${spec.provider}" is not configured`);

  const spool = new SpoolWriter(spec.spoolDir, spec.segmentBytes);
  const clients = new Set<Socket>();
  const notify = () => {
    notifyScheduled = false;
    for (const socket of clients) sendMessage(socket, { t: 'out', end: spool.end, at: host.lastOutputAt });
  };
  // One notice per turn of the event loop, after everything that turn appended: a chunk of output
  // is announced once, with the records its lines made already on disk.
  let notifyScheduled = false;
  const scheduleNotify = () => {
    if (notifyScheduled) return;
    notifyScheduled = true;
    setImmediate(notify);
  };
  const host = new TurnHost(provider, spec.ctx, {
    record(record: TurnRecord) {
      spool.append(`${JSON.stringify(record)}\n`);
      scheduleNotify();
    },
    activity: scheduleNotify,
    warn: log,
  }, spec.cancelGraceMs);

  let started = false;
  let finished = false;
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => {
      connections.delete(socket);
      clients.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    readMessages<ToSupervisor>(socket, (message) => {
      switch (message.t) {
        case 'attach':
          if (!started) start();
          sendMessage(socket, {
            t: 'hello', protocol: SUPERVISOR_PROTOCOL, supervisorPid: process.pid, pid: host.pid, procStart: host.procStart,
            end: spool.end, lastOutputAt: host.lastOutputAt, pending: host.pendingAsks(),
          });
          // Notices go only to attached clients, so the hello is always the first message; whatever
          // happened since the spool end above is announced by the next `out`.
          clients.add(socket);
          break;
        case 'decide':
          host.decide(message.key, message.decision);
          break;
        case 'halt':
          // Told to stop before anyone attached: the agent is never started.
          if (!started) finish();
          else host.halt(message.stop);
          break;
        case 'ack':
          try {
            spool.trim(message.offset);
          } catch (err) {
            log('cannot trim the spool', err);
          }
          break;
      }
    });
  });

  const finish = () => {
    if (finished) return;
    finished = true;
    notify();
    for (const socket of connections) socket.end();
    server.close();
    rmSync(spec.socketPath, { force: true });
    spool.close();
    // Nothing should hold the process now; if something does, it must not outlive the run.
    setTimeout(() => process.exit(0), 2000).unref();
  };

  function start() {
    started = true;
    // agentd held our stdin open until it attached; from now on its end means nothing.
    process.stdin.removeAllListeners('end');
    process.stdin.destroy();
    host.start();
    void host.exited.then(finish);
  }

  ensureSocketDir(spec.socketPath);
  rmSync(spec.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.socketPath, () => resolve());
  });
  // Nobody attached and agentd is gone: the run was never started, so neither is the agent.
  process.stdin.once('end', () => {
    if (started) return;
    log('agentd went away before attaching; nothing started');
    finish();
  });
  process.stdin.resume();

  // A stop of the supervisor itself (a system shutdown, a kill by hand) stops the turn the usual way.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (!started) return finish();
      host.halt({ kind: 'shutdown', reason: `the run's supervisor was stopped (${signal})` });
    });
  }
  process.on('SIGHUP', () => {});
  // agentd may be gone already (it then never reads this); that must not crash us.
  process.stdout.on('error', () => {});
  process.stdin.on('error', () => {});
  // Tell agentd we are listening; this pipe is not written again.
  process.stdout.end(`${JSON.stringify({ t: 'ready', pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  log('failed', err);
  process.exitCode = 1;
});
