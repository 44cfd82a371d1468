import { Command, InvalidArgumentError, Option } from 'commander';
import { NotificationsClient } from '../../client/notifications-client.js';
import { DELIVERY_STATES, NOTIFICATION_TYPES } from '../../domain/notifications.js';
import type { Delivery, DeliveryAttempt, Webhook } from '../../protocol/notifications.js';
import { contextOf } from '../context.js';
import { withExamples } from '../help.js';
import { emit, keyValues } from '../output.js';
import { positiveInt } from '../parse.js';

/** Repeatable --event: each value one of the types (choices() alone would not collect them). */
const eventTypes = (value: string, previous: string[] = []) => {
  if (!(NOTIFICATION_TYPES as readonly string[]).includes(value)) throw new InvalidArgumentError(`Allowed choices are ${NOTIFICATION_TYPES.join(', ')}.`);
  return [...previous, value];
};

const webhookLine = (w: Webhook) => {
  const scope = w.session_id ? `  session ${w.session_id}` : '';
  const counts = `pending ${w.deliveries.pending}, delivered ${w.deliveries.delivered}, failed ${w.deliveries.failed}`;
  const state = w.state === 'disabled' ? `\n    disabled ${w.disabled_at}: ${w.disabled_reason}\n    (agentctl webhooks enable ${w.id})` : '';
  return `${w.id}  ${w.state.padEnd(8)}  ${w.events.join(',')}${scope}  ${w.url}  (${counts})${state}`;
};

/** One delivery: what happened last, and when the next attempt comes. */
const outcome = (d: Delivery) => {
  const last = d.last_status !== null ? `HTTP ${d.last_status}` : d.last_error ?? 'not attempted yet';
  const detail = d.last_error && d.last_status !== null ? ` (${d.last_error})` : '';
  const latency = d.last_latency_ms !== null ? ` in ${d.last_latency_ms} ms` : '';
  const next = d.next_attempt_at ? `, next attempt ${d.next_attempt_at}` : '';
  return `${d.state}: ${last}${detail}${latency} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${next}`;
};

const deliveryLine = (d: Delivery) => `${d.id}  ${d.type.padEnd(18)}  ${d.created_at}  ${outcome(d)}`;

const attemptLine = (a: DeliveryAttempt) =>
  `  #${a.attempt}  ${a.at}  ${a.status === null ? 'no answer' : `HTTP ${a.status}`}  ${a.latency_ms} ms  ${a.trigger}${a.error ? `  ${a.error}` : ''}`;

export function webhooksCommand(): Command {
  const webhooks = withExamples(
    new Command('webhooks').description('signed HTTP notifications when an approval waits or a run ends (Standard Webhooks)'),
    'agentctl webhooks add https://hooks.example.com/agentd --event approval.requested --event run.failed',
    'agentctl webhooks list',
  );
  const api = (cmd: Command) => {
    const context = contextOf(cmd);
    return { ...context, hooks: new NotificationsClient(context.client) };
  };

  const add = webhooks
    .command('add')
    .description('add an endpoint; prints its signing secret, which is shown only this once')
    .argument('<url>', 'where to POST notifications (http or https)')
    .addOption(new Option('--event <type>', 'a notification type to send, repeatable').choices(NOTIFICATION_TYPES).argParser(eventTypes).makeOptionMandatory())
    .option('--session <id>', 'only notifications of this session and the sessions below it')
    .option('--description <text>', 'a note for people')
    .option('--idempotency-key <key>', 'retry-safe creation (the replay shows the same secret)')
    .action(async (url: string, opts: { event: string[]; session?: string; description?: string; idempotencyKey?: string }, cmd: Command) => {
      const { hooks, out } = api(cmd);
      const result = await hooks.addWebhook({
        url,
        events: opts.event,
        ...(opts.session !== undefined && { session_id: opts.session }),
        ...(opts.description !== undefined && { description: opts.description }),
        ...(opts.idempotencyKey !== undefined && { idempotency_key: opts.idempotencyKey }),
      });
      emit(result, out, ({ webhook, secret }: { webhook: Webhook; secret: string }) =>
        `${webhookLine(webhook)}\nsecret: ${secret}\n(shown only now: give it to the receiver, which verifies each request's webhook-signature with it)`);
    });
  withExamples(add,
    'agentctl webhooks add https://hooks.example.com/agentd --event approval.requested --event run.failed',
    'SECRET=$(agentctl --field secret webhooks add https://ci.example.com/hook --event run.completed --session ses_…)');

  const list = webhooks
    .command('list')
    .description('your endpoints: state (disabled ones say why), events, session, delivery counts')
    .action(async (_opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      emit(await hooks.listWebhooks(), out, ({ webhooks: all }: { webhooks: Webhook[] }) => (all.length ? all.map(webhookLine).join('\n') : 'no webhooks'));
    });
  withExamples(list, 'agentctl webhooks list', 'agentctl --format json webhooks list');

  const get = webhooks
    .command('get')
    .description('one endpoint')
    .argument('<webhook-id>', 'the endpoint')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      emit(await hooks.getWebhook(id), out, ({ webhook }: { webhook: Webhook }) => keyValues(webhook));
    });
  withExamples(get, 'agentctl --field webhook.state webhooks get whk_…');

  const remove = webhooks
    .command('remove')
    .description('remove an endpoint and its delivery history; nothing more is sent to it')
    .argument('<webhook-id>', 'the endpoint')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      await hooks.removeWebhook(id);
      emit({ removed: id }, out, () => `removed ${id}`);
    });
  withExamples(remove, 'agentctl webhooks remove whk_…');

  const test = webhooks
    .command('test')
    .description('send a webhook.test notification now and print how it went; exits 1 if it was not delivered')
    .argument('<webhook-id>', 'the endpoint')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      const result = await hooks.testWebhook(id);
      emit(result, out, ({ delivery }: { delivery: Delivery }) => `${delivery.id} ${outcome(delivery)}`);
      if (result.delivery.state !== 'delivered') process.exitCode = 1;
    });
  withExamples(test, 'agentctl webhooks test whk_…');

  const enable = webhooks
    .command('enable')
    .description('enable an endpoint agentd disabled after a day of failed deliveries')
    .argument('<webhook-id>', 'the endpoint')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      emit(await hooks.enableWebhook(id), out, ({ webhook }: { webhook: Webhook }) => webhookLine(webhook));
    });
  withExamples(enable, 'agentctl webhooks test whk_… && agentctl webhooks enable whk_…');

  const deliveries = webhooks
    .command('deliveries')
    .description("an endpoint's delivery history, newest first: status, latency, attempts")
    .argument('<webhook-id>', 'the endpoint')
    .addOption(new Option('--state <state>', 'only these').choices(DELIVERY_STATES))
    .option('--limit <n>', 'page size', positiveInt, 50)
    .option('--cursor <id>', 'continue after this delivery')
    .action(async (id: string, opts: { state?: string; limit: number; cursor?: string }, cmd: Command) => {
      const { hooks, out } = api(cmd);
      const result = await hooks.listDeliveries(id, { limit: opts.limit, ...(opts.state && { state: opts.state }), ...(opts.cursor && { cursor: opts.cursor }) });
      emit(result, out, ({ deliveries: all, next_cursor }: { deliveries: Delivery[]; next_cursor: string | null }) => {
        const lines = all.map(deliveryLine);
        if (lines.length === 0) lines.push('no deliveries');
        if (next_cursor) lines.push(`(more: --cursor ${next_cursor})`);
        return lines.join('\n');
      });
    });
  withExamples(deliveries, 'agentctl webhooks deliveries whk_… --state failed');

  const delivery = webhooks
    .command('delivery')
    .description('one delivery: every attempt and the payload sent')
    .argument('<webhook-id>', 'the endpoint')
    .argument('<delivery-id>', 'the delivery')
    .action(async (id: string, deliveryId: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      const result = await hooks.getDelivery(id, deliveryId);
      emit(result, out, (r: typeof result) =>
        [deliveryLine(r.delivery), `webhook-id ${r.delivery.notification_id}`, ...r.attempts.map(attemptLine), JSON.stringify(r.payload, null, 2)].join('\n'));
    });
  withExamples(delivery, 'agentctl webhooks delivery whk_… dlv_…');

  const redeliver = webhooks
    .command('redeliver')
    .description('attempt one delivery again now, with the same webhook-id; exits 1 if it was not delivered')
    .argument('<webhook-id>', 'the endpoint')
    .argument('<delivery-id>', 'the delivery')
    .action(async (id: string, deliveryId: string, _opts: unknown, cmd: Command) => {
      const { hooks, out } = api(cmd);
      const result = await hooks.redeliver(id, deliveryId);
      emit(result, out, ({ delivery: d }: { delivery: Delivery }) => deliveryLine(d));
      if (result.delivery.last_status === null || result.delivery.last_status >= 300) process.exitCode = 1;
    });
  withExamples(redeliver, 'agentctl webhooks redeliver whk_… dlv_…');
  return webhooks;
}
