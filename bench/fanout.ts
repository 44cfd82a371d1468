/**
 * fanout: append one event while many WebSocket clients follow the session, and time how long
 * each client takes to receive it — against a raw `ws` broadcast of the same frame.
 */
import { join } from 'node:path';
import WebSocket from 'ws';
import { atMostRatio, informational, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { startChildServer } from './support/child-server.js';
import { jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { nowMs, percentile } from './support/stats.js';
import { closeClients, openClients } from './support/ws-clients.js';

const WARMUP = 3;

/** The text a frame carries, whether agentd's message.created or the raw server's copy of it. */
function markerOf(raw: WebSocket.RawData): string | undefined {
  const frame = JSON.parse(String(raw)) as { type?: string; data?: { message?: { text?: string } } };
  return frame.type === 'message.created' ? frame.data?.message?.text : undefined;
}

/**
 * Sends `rounds` marked messages with `send` and collects, per client, the time from just before
 * the send to the receipt of that message. Each round waits for every client before the next.
 */
async function measure(sockets: WebSocket[], rounds: number, send: (marker: string) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = 0; round < WARMUP + rounds; round++) {
    const marker = `fanout ${round}`;
    let pending = sockets.length;
    let t0 = 0;
    const received = new Promise<void>((resolve) => {
      for (const socket of sockets) {
        const onMessage = (data: WebSocket.RawData) => {
          if (markerOf(data) !== marker) return;
          const at = nowMs();
          socket.off('message', onMessage);
          if (round >= WARMUP) latencies.push(at - t0);
          if (--pending === 0) resolve();
        };
        socket.on('message', onMessage);
      }
    });
    t0 = nowMs();
    await send(marker);
    await received;
  }
  return latencies;
}

export const benchmark: Benchmark = {
  name: 'fanout',
  description: 'append → receipt latency at many WebSocket subscribers, vs a raw ws broadcast',
  sizes: {
    subscribers: { default: 1_000, quick: 20, description: 'WebSocket clients following the session' },
    messages: { default: 50, quick: 3, description: 'events appended, one at a time' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('fanout');
    const daemon = await startAgentd(['--db', join(dir.path, 'agentd.db')]);
    const api = jsonClient(daemon.url);
    let sockets: WebSocket[] = [];
    let frame = '';
    let project: number[];
    try {
      const { session } = await api.post('/sessions', { title: 'fanout' });
      sockets = await openClients(`${daemon.url.replace(/^http/, 'ws')}/sessions/${session.id}/stream`, sizes.subscribers!, { readyType: 'stream.opened' });
      // Keep one real frame: the raw server broadcasts exactly what agentd sent.
      sockets[0]!.on('message', (data) => {
        if (!frame && markerOf(data) !== undefined) frame = String(data);
      });
      project = await measure(sockets, sizes.messages!, async (marker) => {
        await api.post(`/sessions/${session.id}/messages`, { role: 'assistant', text: marker });
      });
    } finally {
      await closeClients(sockets);
      api.close();
      await daemon.stop();
      dir.remove();
    }

    const raw = await startChildServer('raw-ws');
    const rawApi = jsonClient(raw.url);
    let rawLatencies: number[];
    try {
      sockets = await openClients(raw.url.replace(/^http/, 'ws'), sizes.subscribers!);
      const template = JSON.parse(frame) as { data: { message: { text: string } } };
      rawLatencies = await measure(sockets, sizes.messages!, async (marker) => {
        template.data.message.text = marker;
        await rawApi.post('/broadcast', template);
      });
    } finally {
      await closeClients(sockets);
      rawApi.close();
      await raw.stop();
    }
    log(`${sizes.subscribers} subscribers: agentd p50 ${percentile(project, 50).toFixed(2)} / p99 ${percentile(project, 99).toFixed(2)} ms, raw ws p50 ${percentile(rawLatencies, 50).toFixed(2)} / p99 ${percentile(rawLatencies, 99).toFixed(2)} ms`);
    return [
      informational(`p50 at ${sizes.subscribers} subscribers`, 'ms', percentile(project, 50), percentile(rawLatencies, 50)),
      atMostRatio(`p99 at ${sizes.subscribers} subscribers`, 'ms', percentile(project, 99), percentile(rawLatencies, 99), 2),
    ];
  },
};
