import { describe, expect, it } from 'vitest';
import { CodexProvider, forResume } from '../../../src/providers/codex/codex-provider.js';

describe('codex argv', () => {
  const ctx = (threadId: string | null) => ({
    run: { prompt: 'do it' } as any,
    session: { cwd: '/tmp' } as any,
    threadId,
    env: {},
    approvals: { policy: 'default' as const, allow: [] },
  });

  it('first turn: exec --json with profile and extra args right before the prompt', () => {
    const p = new CodexProvider({ bin: 'codex', profile: 'mobile', extraArgs: ['--color', 'never', '--sandbox=workspace-write'] });
    expect(p.buildTurn(ctx(null)).argv).toEqual([
      'codex', 'exec', '--json', '--skip-git-repo-check', '-c', 'allow_login_shell=false', '--profile', 'mobile',
      '--color', 'never', '--sandbox=workspace-write', 'do it',
    ]);
  });

  it('later turns resume the thread, with --sandbox carried as config and --color dropped (resume rejects both)', () => {
    const p = new CodexProvider({ bin: 'codex', profile: null, extraArgs: ['--color', 'never', '-s', 'read-only', '--verbose'] });
    expect(p.buildTurn(ctx('thr_1')).argv).toEqual([
      'codex', 'exec', 'resume', 'thr_1', '--json', '--skip-git-repo-check', '-c', 'allow_login_shell=false',
      '-c', 'sandbox_mode="read-only"', '--verbose', 'do it',
    ]);
    expect(forResume(['--color=always', '--sandbox=danger-full-access'])).toEqual(['-c', 'sandbox_mode="danger-full-access"']);
  });
});
