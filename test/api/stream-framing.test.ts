import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { rawConnection } from '../support/raw-http.js';
import { waitUntil } from '../support/wait.js';

describe('stream framing', () => {
  let d: TestDaemon;
  const logLines: any[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
        done();
      },
    });
    d = await startTestDaemon({}, scriptedAgentOptions, pino({ level: 'info' }, sink));
  });
  afterAll(() => d.close());

  it('SSE: the response carries x-request-id, and its first block is stream.opened with the retry delay in it', async () => {
    const conn = await rawConnection(d.url);
    conn.socket.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    const text = await conn.waitFor(/\r\n\r\n[\s\S]*?\n\n/);
    conn.socket.destroy();
    const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
    expect(head).toMatch(/\r\nx-request-id: http_[0-9a-z]{26}(\r\n|$)/i);
    expect(head).toMatch(/\r\ncontent-type: text\/event-stream/i);
    // Chunked encoding: the first chunk's size line, then the first SSE block.
    const firstBlock = body.slice(body.indexOf('\r\n') + 2).split('\n\n')[0]!;
    const fields = firstBlock.split('\n');
    expect(fields[0]).toBe('retry: 1000');
    expect(fields[1]).toBe('event: stream.opened');
    expect(JSON.parse(fields[2]!.slice('data: '.length))).toMatchObject({ type: 'stream.opened', resumed_from: null });
  });

  it('WebSocket: the 101 answer carries x-request-id', async () => {
    const socket = new WebSocket(`${d.url.replace(/^http/, 'ws')}/stream`);
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      socket.once('upgrade', (res) => resolve(res.headers));
      socket.once('error', reject);
    });
    socket.terminate();
    expect(headers['x-request-id']).toMatch(/^http_[0-9a-z]{26}$/);
  });

  it('a malformed frame from a client closes its socket and is logged below error level', async () => {
    const socket = new WebSocket(`${d.url.replace(/^http/, 'ws')}/stream`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // A client frame must be masked; this one is not (FIN + text opcode, length 2, no mask bit).
    (socket as any)._socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await closed;
    const line = await waitUntil('the daemon logs the closed websocket', () => logLines.find((l) => /websocket closed/.test(l.msg)));
    expect(line.level).toBeLessThan(50);
    expect(logLines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
