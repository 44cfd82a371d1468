import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedAgentOptions } from '../support/agent-fixture.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { agentctl } from '../support/processes.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** `agentctl webhooks …` as a user types it: add (the secret once), list, test, history, redeliver, remove. */
describe('agentctl webhooks', () => {
  let d: TestDaemon;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  beforeAll(async () => {
    receiver = await startReceiver();
    d = await startTestDaemon({ authTokens: ['cli-token'], notifications: { allowPrivate: true, pushSubject: 'mailto:test@example.com' } }, scriptedAgentOptions);
    env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: 'cli-token' };
  });
  afterAll(async () => {
    await d?.close();
    await receiver?.close();
  });

  const run = (...args: string[]) => agentctl(args, env);

  it('adds an endpoint, prints its secret once, lists it, tests it and removes it', async () => {
    const session = (await run('--field', 'session.id', 'session', 'create')).stdout.trim();
    const added = await run('webhooks', 'add', `${receiver.url}/cli`, '--event', 'approval.requested', '--event', 'run.failed', '--session', session);
    expect(added.code, added.stderr).toBe(0);
    const [line, secretLine, note] = added.stdout.trim().split('\n');
    const id = /^(whk_\w+)\s+enabled\s+approval\.requested,run\.failed\s+session (ses_\w+)\s+(\S+)\s+\(pending 0, delivered 0, failed 0\)$/.exec(line!);
    expect(id, line).not.toBeNull();
    expect(id![2]).toBe(session);
    expect(id![3]).toBe(`${receiver.url}/cli`);
    const secret = /^secret: (whsec_\S+)$/.exec(secretLine!)![1]!;
    expect(note).toMatch(/shown only now/);

    const list = await run('webhooks', 'list');
    expect(list.stdout).toContain(id![1]!);
    expect(list.stdout).not.toContain(secret);
    expect(JSON.parse((await run('--format', 'json', 'webhooks', 'list')).stdout).webhooks[0]).not.toHaveProperty('secret');

    const tested = await run('webhooks', 'test', id![1]!);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^dlv_\w+ delivered: HTTP 204 in \d+ ms after 1 attempt\n$/);
    const got = receiver.requests.at(-1)!;
    expect(new Webhook(secret).verify(got.body, got.headers)).toMatchObject({ type: 'webhook.test' });

    const history = await run('webhooks', 'deliveries', id![1]!);
    expect(history.stdout).toMatch(/^dlv_\w+\s+webhook\.test\s+\S+\s+delivered: HTTP 204 in \d+ ms after 1 attempt\n$/);
    const deliveryId = history.stdout.split(/\s+/)[0]!;
    const detail = await run('webhooks', 'delivery', id![1]!, deliveryId);
    expect(detail.stdout).toMatch(/webhook-id ntf_\w+\n  #1  \S+  HTTP 204  \d+ ms  manual\n\{/);
    const redelivered = await run('webhooks', 'redeliver', id![1]!, deliveryId);
    expect(redelivered.code).toBe(0);
    expect(redelivered.stdout).toMatch(/delivered: HTTP 204 in \d+ ms after 2 attempts/);
    expect(receiver.requests.at(-1)!.headers['webhook-id']).toBe(got.headers['webhook-id']);

    expect((await run('webhooks', 'remove', id![1]!)).stdout).toBe(`removed ${id![1]}\n`);
    const gone = await run('webhooks', 'get', id![1]!);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('webhook_not_found');
  });

  it('exits 1 when a test is not delivered, saying why', async () => {
    const id = (await run('--field', 'webhook.id', 'webhooks', 'add', 'http://127.0.0.1:9/nobody-listens', '--event', 'run.failed')).stdout.trim();
    const tested = await run('webhooks', 'test', id);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toMatch(/^dlv_\w+ failed: connect ECONNREFUSED 127\.0\.0\.1:9 in \d+ ms after 1 attempt\n$/);
    await run('webhooks', 'remove', id);
  });

  it('refuses an unknown event type and a missing one as usage errors', async () => {
    const unknown = await run('webhooks', 'add', `${receiver.url}/x`, '--event', 'run.exploded');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Allowed choices are approval.requested, run.completed, run.failed, run.interrupted, session.idle');
    const missing = await run('webhooks', 'add', `${receiver.url}/x`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--event <type>' not specified");
  });
});
