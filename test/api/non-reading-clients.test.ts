import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentd, type AgentdProcess } from '../support/processes.js';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { openWs } from '../support/stream-clients.js';
import { rawConnection, type RawConnection } from '../support/raw-http.js';

const CLIENTS = 200;

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

/**
 * Clients that open a stream and never read a byte: the daemon's memory stays bounded (measured in
 * bench/memory.ts) and, what a user sees, the rest of the API keeps answering. No timing is
 * asserted; each answer is simply awaited.
 */
describe('many stream clients that never read', () => {
  let dir: string;
  let daemon: AgentdProcess;
  const clients: RawConnection[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-nonreaders-'));
    daemon = await startAgentd(['--db', join(dir, 'db.sqlite'), '--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command']);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.destroy();
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/daemon/status and POST /sessions still answer, a reading client still gets live events, and SIGTERM still stops the daemon', async () => {
    // A log worth catching up on: 20 000 events from one run.
    const session = (await api(daemon.url, 'POST', '/sessions', {})).body.session.id;
    const run = (await api(daemon.url, 'POST', `/sessions/${session}/messages`, { text: 'lines 20000' })).body.run.id;
    expect((await api(daemon.url, 'GET', `/runs/${run}/wait?timeout_s=120`)).body.run.state).toBe('completed');

    const { port } = new URL(daemon.url);
    for (let i = 0; i < CLIENTS; i++) {
      const conn = await rawConnection(daemon.url);
      conn.socket.pause();
      const path = i % 2 ? '/stream' : `/sessions/${session}/stream`;
      conn.socket.write(i % 4 < 2
        ? `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`
        : `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      clients.push(conn);
    }

    const status = await api(daemon.url, 'GET', '/daemon/status');
    expect(status.status).toBe(200);
    expect(status.body.open_streams).toBeGreaterThan(0);
    const created = await api(daemon.url, 'POST', '/sessions', {});
    expect(created.status).toBe(201);
    const fresh = created.body.session.id;
    const reader = await openWs(`${daemon.url}/sessions/${fresh}/stream`);
    await api(daemon.url, 'POST', `/sessions/${fresh}/messages`, { text: 'still here', role: 'system' });
    expect((await reader.waitFor((f) => f.type === 'message.created')).data.message.text).toBe('still here');
    reader.close();
    expect(await daemon.stop()).toBe(0);
  });
});
