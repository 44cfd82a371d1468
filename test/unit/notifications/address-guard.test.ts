import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTargetUrl, isForbiddenAddress } from '../../../src/notifications/address-guard.js';
import { HttpSender } from '../../../src/notifications/http-sender.js';
import { startReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

describe('which addresses agentd refuses to send to', () => {
  it('refuses loopback, private, link-local, shared, reserved and multicast ranges, IPv4 and IPv6', () => {
    for (const address of [
      '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
      // IPv4 inside IPv6: mapped, NAT64 and 6to4 forms of loopback and private addresses.
      '::ffff:127.0.0.1', '::ffff:10.1.2.3', '64:ff9b::7f00:1', '64:ff9b::a00:1', '2002:c0a8:101::1',
    ]) expect(isForbiddenAddress(address), address).toBe(true);
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it('checks a URL by its text when an endpoint is made: scheme, IP literals in any spelling, localhost', () => {
    const refused = (url: string) => {
      try {
        checkTargetUrl(url, false);
        return null;
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    for (const url of ['http://127.0.0.1:8080/x', 'http://2130706433/', 'http://0x7f.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'https://169.254.169.254/latest/meta-data']) {
      expect(refused(url), url).toBe('address_not_allowed');
    }
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'not a url', 'http://']) expect(refused(url), url).toBe('invalid_url');
    expect(refused('https://hooks.example.com/agentd')).toBeNull();
    // Names are resolved only when sending (below): their text says nothing.
    expect(refused('http://internal.example.com/')).toBeNull();
    // The operator's flag allows them all.
    expect(checkTargetUrl('http://127.0.0.1:8080/x', true).href).toBe('http://127.0.0.1:8080/x');
  });
});

describe('the sender checks the resolved address', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  // A name whose DNS answer points at the loopback receiver: what a token holder could register.
  const rebinding = async () => [{ address: '127.0.0.1', family: 4 }];
  const urlByName = () => receiver.url.replace('127.0.0.1', 'hooks.example.test');

  it('refuses a name that resolves to a loopback address, without connecting', async () => {
    const sender = new HttpSender({ allowPrivate: false, timeoutMs: 5000, resolver: rebinding });
    try {
      const before = receiver.requests.length;
      const result = await sender.post(`${urlByName()}/hook`, { 'content-type': 'application/json' }, '{}');
      expect(result).toMatchObject({ ok: false, status: null });
      expect(result.error).toBe('hooks.example.test resolves to 127.0.0.1, a loopback, private or reserved address: start agentd with --webhook-allow-private to allow it');
      expect(receiver.requests.length).toBe(before);
    } finally {
      sender.close();
    }
  });

  it('refuses a name if any of its addresses is private, and an IP literal outright', async () => {
    const mixed = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }];
    const sender = new HttpSender({ allowPrivate: false, timeoutMs: 5000, resolver: mixed });
    try {
      expect((await sender.post('http://mixed.example.test/', {}, '{}')).error).toMatch(/^mixed\.example\.test resolves to 10\.0\.0\.7/);
      const literal = await sender.post(`${receiver.url}/hook`, {}, '{}');
      expect(literal).toMatchObject({ ok: false, status: null });
      expect(literal.error).toMatch(/^127\.0\.0\.1 is a loopback, private or reserved address/);
    } finally {
      sender.close();
    }
  });

  it('connects to the same name when the operator allows private addresses', async () => {
    const sender = new HttpSender({ allowPrivate: true, timeoutMs: 5000, resolver: rebinding });
    try {
      const before = receiver.requests.length;
      const result = await sender.post(`${urlByName()}/hook`, { 'content-type': 'application/json' }, '{"hello":1}');
      expect(result).toMatchObject({ ok: true, status: 204, error: null });
      const got = await receiver.nth(before + 1);
      expect(got).toMatchObject({ path: '/hook', body: '{"hello":1}' });
      expect(got.headers.host).toBe(`hooks.example.test:${new URL(receiver.url).port}`);
    } finally {
      sender.close();
    }
  });

  it('reports an error status with the start of the body, and gives up on a silent receiver at its deadline', async () => {
    const sender = new HttpSender({ allowPrivate: true, timeoutMs: 300 });
    const respond = receiver.respond;
    try {
      receiver.respond = () => 503;
      expect(await sender.post(`${receiver.url}/down`, {}, '{}')).toMatchObject({ ok: false, status: 503, error: 'HTTP 503: receiver says 503' });
      receiver.respond = () => 'hold';
      expect(await sender.post(`${receiver.url}/slow`, {}, '{}')).toMatchObject({ ok: false, status: null, error: 'no answer within 300 ms' });
    } finally {
      receiver.respond = respond;
      sender.close();
    }
  });
});
