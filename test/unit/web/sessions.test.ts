/** The web client's sessions list (web/src/state/sessions.ts): one word per session, children under parents, filters. */
import { describe, expect, it } from 'vitest';
import { matchesFilter, newerRun, sessionStatus, sessionTree } from '../../../web/src/state/sessions.js';

const session = (id: string, parent: string | null = null, extra: Record<string, unknown> = {}): any =>
  ({ id, parent_session_id: parent, title: null, cwd: '/repo', provider: 'codex', ...extra });
const run = (id: string, state: string, updated = 't1'): any => ({ id, state, updated_at: updated });

describe('the sessions list', () => {
  it("says what a session does: an open ask outweighs its run's state", () => {
    expect(sessionStatus(undefined, 0)).toBe('idle');
    expect(sessionStatus(run('r', 'running'), 0)).toBe('running');
    expect(sessionStatus(run('r', 'running'), 1)).toBe('waiting');
    expect(sessionStatus(run('r', 'queued'), 0)).toBe('queued');
    expect(sessionStatus(run('r', 'failed'), 0)).toBe('failed');
    expect(sessionStatus(run('r', 'completed'), 0)).toBe('idle');
    expect(sessionStatus(run('r', 'cancelled'), 0)).toBe('idle');
  });

  it('puts each child right under its parent, grandchildren deeper; an orphan stays at the top', () => {
    const tree = sessionTree([session('ses_5', 'ses_1'), session('ses_4'), session('ses_3', 'ses_2'), session('ses_2', 'ses_1'), session('ses_1'), session('ses_0', 'ses_gone')]);
    expect(tree.map((n) => `${'  '.repeat(n.depth)}${n.session.id}`)).toEqual(['ses_4', 'ses_1', '  ses_5', '  ses_2', '    ses_3', 'ses_0']);
  });

  it('filters by text in title, id, directory or provider, and by state', () => {
    const s = session('ses_abc', null, { title: 'Fix the tests', cwd: '/srv/app' });
    expect(matchesFilter(s, 'idle', 'fix', 'all')).toBe(true);
    expect(matchesFilter(s, 'idle', 'SRV/APP', 'all')).toBe(true);
    expect(matchesFilter(s, 'idle', 'nothing', 'all')).toBe(false);
    expect(matchesFilter(s, 'running', '', 'active')).toBe(true);
    expect(matchesFilter(s, 'idle', '', 'active')).toBe(false);
    expect(matchesFilter(s, 'waiting', '', 'waiting')).toBe(true);
    expect(matchesFilter(s, 'failed', '', 'failed')).toBe(true);
    expect(matchesFilter(s, 'idle', '', 'failed')).toBe(false);
  });

  it('keeps the newest run of a session, and the latest state of the same run', () => {
    expect(newerRun(run('run_a', 'completed'), run('run_b', 'queued')).id).toBe('run_b');
    expect(newerRun(run('run_b', 'queued'), run('run_a', 'completed')).id).toBe('run_b');
    expect(newerRun(run('run_b', 'running', 't2'), run('run_b', 'queued', 't1')).state).toBe('running');
  });
});
