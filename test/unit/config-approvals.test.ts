import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('approval and command protocol settings', () => {
  it('default to policy default, no allow rules, a 30-minute timeout and the plain protocol', () => {
    const config = parseConfig([], {}, '/tmp');
    expect(config.approvals).toEqual({ policy: 'default', allow: [], timeoutS: 1800 });
    expect(config.command.protocol).toBe('plain');
  });

  it('take flags over the environment', () => {
    const env = { AGENTD_APPROVAL_POLICY: 'deny', AGENTD_APPROVAL_ALLOW: '["git status"]', AGENTD_APPROVAL_TIMEOUT: '60', AGENTD_COMMAND_PROTOCOL: 'jsonl' };
    expect(parseConfig([], env, '/tmp').approvals).toEqual({ policy: 'deny', allow: ['git status'], timeoutS: 60 });
    expect(parseConfig([], env, '/tmp').command.protocol).toBe('jsonl');
    const flagged = parseConfig(['--approval-policy', 'ask', '--approval-allow', 'npm test', '--approval-allow', ' npm test ', '--approval-timeout', '5', '--command-protocol', 'plain'], env, '/tmp');
    expect(flagged.approvals).toEqual({ policy: 'ask', allow: ['npm test'], timeoutS: 5 });
    expect(flagged.command.protocol).toBe('plain');
  });

  it('refuse what they do not know, naming the choices', () => {
    expect(() => parseConfig(['--approval-policy', 'yolo'], {}, '/tmp')).toThrow(new ConfigError('unknown approval policy "yolo" (default, ask, auto, deny)'));
    expect(() => parseConfig([], { AGENTD_COMMAND_PROTOCOL: 'xml' }, '/tmp')).toThrow(/unknown command protocol "xml"/);
    expect(() => parseConfig([], { AGENTD_APPROVAL_ALLOW: 'git status' }, '/tmp')).toThrow(/AGENTD_APPROVAL_ALLOW must be a JSON array/);
    expect(() => parseConfig(['--approval-timeout', '0'], {}, '/tmp')).toThrow();
  });
});
