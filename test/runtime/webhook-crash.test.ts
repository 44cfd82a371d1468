import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRIPTED_AGENT_ARGV } from '../support/agent-fixture.js';
import { agentctl, startAgentd, type AgentdProcess } from '../support/processes.js';
import { waitUntil } from '../support/wait.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const agentFlags = ['--command-bin', SCRIPTED_AGENT_ARGV[0]!, '--command-arg', SCRIPTED_AGENT_ARGV[1]!, '--default-provider', 'command'];

/**
 * At least once across a crash: the notification is committed with the run's end; agentd is
 * killed (SIGKILL) while its delivery is on the wire, unanswered. The next agentd sends it again —
 * the receiver gets it twice, with the same webhook-id, both correctly signed — and records it
 * delivered.
 */
describe('a webhook delivery survives kill -9 between commit and delivery', () => {
  let dir: string;
  let daemon: AgentdProcess | undefined;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentd-webhook-crash-'));
    // The first request is held unanswered: agentd has sent it, and never hears back.
    receiver = await startReceiver((_request, index) => (index === 1 ? 'hold' : 204));
  });
  afterAll(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.kill9();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => (daemon = await startAgentd(['--db', join(dir, 'db.sqlite'), '--webhook-allow-private', ...agentFlags]));
  const json = async (args: string[]) => {
    const r = await agentctl(['--url', daemon!.url, '--format', 'json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('arrives after the restart, maybe twice, with one webhook-id, and is then recorded delivered', async () => {
    await start();
    const { webhook, secret } = await json(['webhooks', 'add', `${receiver.url}/hook`, '--event', 'run.completed']);
    const session = (await json(['session', 'create', '--title', 'crash'])).session;
    const run = (await json(['message', 'send', '--session-id', session.id, '--text', 'echo survives a crash'])).run;
    await json(['run', 'wait', '--run-id', run.id]);
    // Committed and sent; its answer never comes: the kill lands before agentd hears anything.
    const first = await receiver.nth(1);
    await daemon!.kill9();
    const firstOutput = daemon!.output();

    await start();
    const second = await receiver.nth(2);
    const verifier = new Webhook(secret);
    const [a, b] = [first, second].map((r) => verifier.verify(r.body, r.headers) as any);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ type: 'run.completed', data: { session: { id: session.id, title: 'crash' }, run: { id: run.id }, text: 'survives a crash' } });

    const delivered = await waitUntil('the redelivery is recorded', async () => {
      const [d] = (await json(['webhooks', 'deliveries', webhook.id])).deliveries;
      return d.state === 'delivered' && d;
    });
    // The cut-off attempt was never recorded; the one after the restart was.
    expect(delivered).toMatchObject({ type: 'run.completed', attempts: 1, last_status: 204 });
    const history = (await json(['webhooks', 'delivery', webhook.id, delivered.id])).attempts;
    expect(history.map((a: any) => [a.attempt, a.status, a.trigger])).toEqual([[1, 204, 'schedule']]);
    expect(receiver.requests).toHaveLength(2);
    // The secret is shown once, to whoever added the endpoint: never in agentd's log.
    expect(firstOutput + daemon!.output()).not.toContain(secret.slice('whsec_'.length));
    await daemon!.stop();
  });
});
