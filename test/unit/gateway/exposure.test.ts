import { describe, expect, it } from 'vitest';
import { hostAllowed, originAllowed, parseHostHeader } from '../../../src/gateway/exposure.js';

const opts = (bindHost: string, allowedHosts: string[] = [], allowedOrigins: string[] = []) => ({ bindHost, allowedHosts, allowedOrigins });
const allowed = (host: string, o = opts('127.0.0.1')) => {
  const parsed = parseHostHeader(host);
  return !!parsed && hostAllowed(parsed.hostname, o);
};

describe('host allowlist', () => {
  it('on loopback: loopback names and addresses only, plus --allowed-host', () => {
    for (const host of ['127.0.0.1:8765', 'localhost', '[::1]:8765', '127.1.2.3']) expect(allowed(host), host).toBe(true);
    for (const host of ['evil.example', '192.168.1.5', '[fe80::1]', '', 'a b', 'localhost.evil.example']) expect(allowed(host), host).toBe(false);
    expect(allowed('proxy.example.com', opts('127.0.0.1', ['proxy.example.com']))).toBe(true);
  });

  it('on a named or specific address: that one too', () => {
    expect(allowed('192.168.1.5:8765', opts('192.168.1.5'))).toBe(true);
    expect(allowed('192.168.1.6:8765', opts('192.168.1.5'))).toBe(false);
    expect(allowed('box.lan', opts('box.lan'))).toBe(true);
  });

  it('on a wildcard bind: any IP literal (rebinding needs a name), but no name that was not allowed', () => {
    for (const bind of ['0.0.0.0', '::']) {
      for (const host of ['192.168.1.5:8765', '[fe80::1]:8765', '10.0.0.1', 'localhost']) expect(allowed(host, opts(bind)), `${bind} ${host}`).toBe(true);
      for (const host of ['evil.example', 'box.lan']) expect(allowed(host, opts(bind)), `${bind} ${host}`).toBe(false);
      expect(allowed('box.lan', opts(bind, ['box.lan']))).toBe(true);
    }
  });
});

describe('origin check', () => {
  const host = (h: string) => parseHostHeader(h)!;
  it('same origin is the host and port the request was sent to; a TLS proxy without a port in Host counts', () => {
    expect(originAllowed('http://127.0.0.1:8765', host('127.0.0.1:8765'), opts('127.0.0.1'))).toBe(true);
    expect(originAllowed('http://127.0.0.1:8766', host('127.0.0.1:8765'), opts('127.0.0.1'))).toBe(false);
    expect(originAllowed('https://agentd.example.com', host('agentd.example.com'), opts('127.0.0.1'))).toBe(true);
    expect(originAllowed('http://localhost:8765', host('127.0.0.1:8765'), opts('127.0.0.1'))).toBe(false);
  });

  it('other origins only when allowed; null and non-http origins never', () => {
    const o = opts('127.0.0.1', [], ['https://app.example.com']);
    expect(originAllowed('https://app.example.com', host('127.0.0.1:8765'), o)).toBe(true);
    expect(originAllowed('https://app.example.com:444', host('127.0.0.1:8765'), o)).toBe(false);
    for (const bad of ['null', 'file://', 'chrome-extension://abc', 'not a url']) expect(originAllowed(bad, host('127.0.0.1:8765'), o), bad).toBe(false);
  });
});
