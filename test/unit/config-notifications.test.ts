import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('notification settings', () => {
  it('refuse private addresses and use a placeholder push subject by default', () => {
    expect(parseConfig([], {}, '/tmp').notifications).toEqual({ allowPrivate: false, pushSubject: 'mailto:agentd@localhost' });
  });

  it('take flags over the environment', () => {
    const env = { AGENTD_WEBHOOK_ALLOW_PRIVATE: '1', AGENTD_PUSH_SUBJECT: 'mailto:ops@example.com' };
    expect(parseConfig([], env, '/tmp').notifications).toEqual({ allowPrivate: true, pushSubject: 'mailto:ops@example.com' });
    expect(parseConfig(['--webhook-allow-private', '--push-subject', 'https://example.com/contact'], {}, '/tmp').notifications)
      .toEqual({ allowPrivate: true, pushSubject: 'https://example.com/contact' });
    expect(parseConfig([], { AGENTD_WEBHOOK_ALLOW_PRIVATE: 'yes' }, '/tmp').notifications.allowPrivate).toBe(false);
  });

  it('refuse a push subject push services would not take', () => {
    expect(() => parseConfig(['--push-subject', 'ops@example.com'], {}, '/tmp')).toThrow(ConfigError);
    expect(() => parseConfig([], { AGENTD_PUSH_SUBJECT: 'http://example.com' }, '/tmp')).toThrow(/must be a mailto: or https: URI/);
  });
});
