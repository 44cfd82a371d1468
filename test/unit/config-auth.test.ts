/** How agentd's auth and exposure settings are read: what starts, and what is refused with which message. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, operatorTokens, parseConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'agentd-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env, dir);
const refusal = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parse(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('operator tokens', () => {
  it('12. --host 0.0.0.0 --auth-token \'\' is refused: an empty token could never be presented', () => {
    expect(refusal(['--host', '0.0.0.0', '--auth-token', ''])).toMatch(/token is empty/);
    expect(refusal(['--auth-token', ''])).toMatch(/token is empty/);
    // An empty environment value is no token; a wildcard bind without one is refused as before.
    expect(refusal(['--host', '0.0.0.0'], { AGENTD_AUTH_TOKEN: '' })).toMatch(/without an auth token/);
  });

  it('refuses tokens a bearer header cannot carry and names nobody\'s secret', () => {
    expect(refusal(['--auth-token', 'alice:'])).toMatch(/named "alice" is empty/);
    const spaced = refusal(['--auth-token', 'two words']);
    expect(spaced).toMatch(/whitespace/);
    expect(spaced).not.toContain('two words');
    expect(refusal(['--auth-token', 'local:s3cret'])).toMatch(/reserved/);
    expect(refusal(['--auth-token', 'op_1234:s3cret'])).toMatch(/reserved/);
  });

  it('NAME:SECRET is named, a bare secret is bare, and a leading colon keeps a secret with a colon bare', () => {
    const tokens = operatorTokens(parse(['--auth-token', 'alice:a1', '--auth-token', 'b-secret', '--auth-token', ':has:colon']));
    expect(tokens).toEqual([{ name: 'alice', secret: 'a1' }, { name: null, secret: 'b-secret' }, { name: null, secret: 'has:colon' }]);
  });

  it('one secret under two names is refused; under one name twice it is merged', () => {
    expect(refusal(['--auth-token', 'alice:same', '--auth-token', 'bob:same'])).toMatch(/both "alice" and "bob"/);
    expect(operatorTokens(parse(['--auth-token', 'alice:same'], { AGENTD_AUTH_TOKENS: 'alice:same' }))).toHaveLength(1);
  });

  it('reads the tokens file (comments, blank lines), counts it for a wildcard bind, and reports a bad line by file and line', () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, '# who may use agentd\n\nalice:a-secret\n  bob:b-secret  \n');
    const config = parse(['--host', '0.0.0.0', '--tokens-file', file, '--allowed-root', dir]);
    expect(config.tokensFile).toBe(file);
    expect(operatorTokens(config).map((t) => t.name)).toEqual(['alice', 'bob']);
    writeFileSync(file, 'alice:a-secret\ncarol:\n');
    expect(refusal(['--tokens-file', file])).toBe(`${file}:2: the token named "carol" is empty; an empty token could never be presented, so nobody could sign in`);
    expect(refusal(['--tokens-file', join(dir, 'missing')])).toMatch(/cannot read the tokens file .*ENOENT/);
  });
});

describe('allowed hosts and origins', () => {
  it('are normalised, from flags (repeatable) or the environment', () => {
    const c = parse(['--allowed-host', 'Agentd.Example.com', '--allowed-host', '[fd00::1]', '--allowed-origin', 'https://App.example.com:443', '--allowed-origin', 'http://localhost:5173/']);
    expect(c.allowedHosts).toEqual(['agentd.example.com', 'fd00::1']);
    expect(c.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    const e = parse([], { AGENTD_ALLOWED_HOSTS: 'a.example, b.example', AGENTD_ALLOWED_ORIGINS: 'http://localhost:5173' });
    expect(e.allowedHosts).toEqual(['a.example', 'b.example']);
    expect(e.allowedOrigins).toEqual(['http://localhost:5173']);
  });

  it('refuses values that are not a host or an origin', () => {
    for (const bad of ['agentd.example.com:8765', 'https://agentd.example.com', 'a/b', 'x@y']) {
      expect(refusal(['--allowed-host', bad]), bad).toMatch(/--allowed-host/);
    }
    for (const bad of ['app.example.com', 'https://app.example.com/ui', 'https://app.example.com?x', 'ftp://x.example', '*']) {
      expect(refusal(['--allowed-origin', bad]), bad).toMatch(/--allowed-origin/);
    }
  });
});
