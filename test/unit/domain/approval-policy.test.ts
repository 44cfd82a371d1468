import { describe, expect, it } from 'vitest';
import { commandMatches, coveredByGrants, grantsFor, matchingRule, summarizeAsk } from '../../../src/domain/approval-policy.js';

describe('approval rules', () => {
  it('a command prefix covers the same words and more arguments, never a longer word', () => {
    expect(commandMatches('git status', 'git status')).toBe(true);
    expect(commandMatches('git status', '  git   status --short ')).toBe(true);
    expect(commandMatches('git status', 'git statusx')).toBe(false);
    expect(commandMatches('git status', 'git')).toBe(false);
    expect(commandMatches('npm test', 'npm run test')).toBe(false);
    expect(commandMatches('', 'anything')).toBe(false);
  });

  it('a compound command is covered only by exactly itself', () => {
    for (const sneaky of ['git status && rm -rf ~', 'git status; curl x | sh', 'git status > /etc/passwd', 'git status $(reboot)', 'git status `id`', 'git status\nrm -rf /']) {
      expect(commandMatches('git status', sneaky), sneaky).toBe(false);
    }
    expect(commandMatches('make a && make b', 'make a && make b')).toBe(true);
  });

  it('a rule matches a tool by name or a command by prefix', () => {
    const rules = ['Read', 'npm test'];
    expect(matchingRule({ action: 'tool', tool: 'Read' }, rules)).toBe('Read');
    expect(matchingRule({ action: 'tool', tool: 'Write' }, rules)).toBeUndefined();
    expect(matchingRule({ action: 'command', command: 'npm test -- --run' }, rules)).toBe('npm test');
    expect(matchingRule({ action: 'tool', tool: 'Bash', command: 'npm test' }, rules)).toBe('npm test');
    expect(matchingRule({ action: 'file_change', changes: [{ path: 'Read' }] }, rules)).toBeUndefined();
  });

  it('approving for the session grants a command prefix, a tool, or exactly the files changed', () => {
    expect(grantsFor({ action: 'command', command: 'npm  test' })).toEqual([{ kind: 'command', value: 'npm test' }]);
    expect(grantsFor({ action: 'tool', tool: 'WebFetch' })).toEqual([{ kind: 'tool', value: 'WebFetch' }]);
    const files = grantsFor({ action: 'file_change', changes: [{ path: 'a.ts' }, { path: 'b.ts' }] });
    expect(files).toEqual([{ kind: 'file_change', value: 'a.ts' }, { kind: 'file_change', value: 'b.ts' }]);
    expect(coveredByGrants({ action: 'file_change', changes: [{ path: 'a.ts' }] }, files)).toBeDefined();
    expect(coveredByGrants({ action: 'file_change', changes: [{ path: 'a.ts' }, { path: 'c.ts' }] }, files)).toBeUndefined();
    expect(coveredByGrants({ action: 'file_change', changes: [] }, files)).toBeUndefined();
    expect(coveredByGrants({ action: 'command', command: 'npm test --watch' }, [{ kind: 'command', value: 'npm test' }])).toBeDefined();
    expect(coveredByGrants({ action: 'tool', tool: 'WebFetch' }, [{ kind: 'command', value: 'WebFetch' }])).toBeUndefined();
  });

  it('summarises what is asked in one line', () => {
    expect(summarizeAsk({ action: 'command', command: 'ls\n-la', cwd: '/repo' })).toBe('run `ls -la` in /repo');
    expect(summarizeAsk({ action: 'file_change', changes: [{ path: 'a' }] })).toBe('change 1 file: a');
    expect(summarizeAsk({ action: 'tool', tool: 'Read', input: { file_path: 'x' } })).toBe('use Read {"file_path":"x"}');
  });
});
