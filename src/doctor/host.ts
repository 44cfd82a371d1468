/** Checks about where agentd listens and the machine it runs on. */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { fail, pass, skip, warn, type Check } from './check.js';

/** Shorter tokens than this are guessable enough that exposing the daemon with them is a fault. */
export const MIN_TOKEN_LENGTH = 16;

export function checkExposure(host: string, loopback: boolean, tokens: string[], metricsToken: string | null): Check {
  const short = [...tokens, ...(metricsToken ? [metricsToken] : [])].filter((t) => t.length < MIN_TOKEN_LENGTH).length;
  if (loopback) {
    return short > 0
      ? warn('exposure', `listening on ${host} only; ${short} token(s) shorter than ${MIN_TOKEN_LENGTH} characters`, 'use long random tokens, e.g. `openssl rand -hex 32`')
      : pass('exposure', `listening on ${host} only${tokens.length ? ', tokens required' : ''}`);
  }
  if (tokens.length === 0) return fail('exposure', `listening on ${host} without a token`, 'set --auth-token (AGENTD_AUTH_TOKEN), or listen on 127.0.0.1');
  if (short > 0) return fail('exposure', `listening on ${host} with ${short} token(s) shorter than ${MIN_TOKEN_LENGTH} characters`, 'use long random tokens, e.g. `openssl rand -hex 32`');
  return pass('exposure', `listening on ${host}; every request needs a token`);
}

/** Whether the system clock is kept in sync (systemd's timedatectl); skipped where it cannot tell. */
export function checkClockSync(env: NodeJS.ProcessEnv = process.env): Promise<Check> {
  return new Promise((resolve) => {
    const child = spawn('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { env, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', () => resolve(skip('clock sync', 'timedatectl is not available; cannot tell whether the clock is synchronized')));
    child.on('close', (code) => {
      const value = out.trim();
      if (code !== 0 || value === '') resolve(skip('clock sync', 'timedatectl could not tell whether the clock is synchronized'));
      else if (value === 'yes') resolve(pass('clock sync', 'system clock synchronized (NTP)'));
      else resolve(warn('clock sync', 'system clock is not synchronized', 'enable time synchronization: `timedatectl set-ntp true` (or chrony/ntpd)'));
    });
  });
}

/** What holds host:port when agentd does not answer there: nothing, or something else. */
export function checkPortHolder(host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(fail('port', `${host}:${port} is taken by a program that is not agentd`, `find it with \`ss -ltnp 'sport = :${port}'\`, or start agentd with another --port and point agentctl at it (--url, AGENTCTL_URL)`));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(fail('port', `${host}:${port} does not answer`, 'check the address and any firewall between here and agentd'));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(pass('port', `${host}:${port} is free for agentd`));
      else resolve(fail('port', `${host}:${port}: ${err.code ?? err.message}`, 'check the address (--url, AGENTCTL_URL)'));
    });
  });
}
