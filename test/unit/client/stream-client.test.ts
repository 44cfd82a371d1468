/**
 * agentctl's stream follower retries for as long as it is told to (`events tail --follow` across a
 * daemon that stays down): each retry must leave nothing behind on the caller's signal.
 */
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { followStream } from '../../../src/client/stream-client.js';

/** A port nothing listens on: every connection is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('followStream', () => {
  it('keeps no abort listener per retry on its signal (the chaos harness saw them pile up)', async () => {
    const port = await closedPort();
    const controller = new AbortController();
    const counts: number[] = [];
    const following = followStream({
      url: `http://127.0.0.1:${port}`,
      signal: controller.signal,
      maxBackoffMs: 1,
      onEvent: () => {},
      onReconnect: () => {
        counts.push(getEventListeners(controller.signal, 'abort').length);
        if (counts.length === 30) controller.abort();
      },
    });
    await following;
    expect(counts).toHaveLength(30);
    // The same few listeners at the 30th retry as at the first: none added per retry.
    expect(counts.at(-1)).toBe(counts[0]);
  });
});
