/** One finding of `agentctl doctor`: what was checked, how it went, and what to do about it. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do, for warn and fail; null otherwise. */
  fix: string | null;
}

export const pass = (name: string, summary: string): Check => ({ name, status: 'pass', summary, fix: null });
export const warn = (name: string, summary: string, fix: string): Check => ({ name, status: 'warn', summary, fix });
export const fail = (name: string, summary: string, fix: string): Check => ({ name, status: 'fail', summary, fix });
export const skip = (name: string, summary: string): Check => ({ name, status: 'skip', summary, fix: null });

/** Everything passed (or did not apply): the only outcome `agentctl doctor` exits 0 for. */
export function allPassed(checks: Check[]): boolean {
  return checks.every((c) => c.status === 'pass' || c.status === 'skip');
}
