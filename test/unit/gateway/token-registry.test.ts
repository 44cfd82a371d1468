import { describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../../src/gateway/auth.js';

describe('operator token lookup', () => {
  const alice = { name: 'alice', secret: 'alice-secret-0123456789' };
  const bob = { name: 'bob', secret: 'bob-secret-0123456789' };

  it('answers the same for a token seen before as for a first sight, and never for a wrong one', () => {
    const tokens = new TokenRegistry([alice, bob]);
    for (let i = 0; i < 3; i++) {
      expect(tokens.verify(alice.secret)?.principal.id).toBe('alice');
      expect(tokens.verify(bob.secret)?.name).toBe('bob');
      expect(tokens.verify('alice-secret-012345678')).toBeUndefined();
      expect(tokens.verify(alice.secret + 'x')).toBeUndefined();
    }
  });

  it('forgets a token removed by a reload, even one verified just before', () => {
    const tokens = new TokenRegistry([alice, bob]);
    expect(tokens.verify(alice.secret)).toBeDefined();
    tokens.replace([bob]);
    expect(tokens.verify(alice.secret)).toBeUndefined();
    expect(tokens.verify(bob.secret)?.principal.id).toBe('bob');
  });

  it('follows a secret moved to another name by a reload', () => {
    const tokens = new TokenRegistry([alice]);
    expect(tokens.verify(alice.secret)?.principal.id).toBe('alice');
    tokens.replace([{ name: 'carol', secret: alice.secret }]);
    expect(tokens.verify(alice.secret)?.principal.id).toBe('carol');
  });
});
