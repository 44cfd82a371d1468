/** Temporary git repositories for workspace tests: real git, one commit, no user config needed. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** argv of the workspace agent, for the `command` provider (see fixtures/workspace-agent.mjs). */
export const WORKSPACE_AGENT_ARGV = [process.execPath, fileURLToPath(new URL('./fixtures/workspace-agent.mjs', import.meta.url))];
export const workspaceAgentOptions = {
  commandBin: WORKSPACE_AGENT_ARGV[0],
  commandArg: WORKSPACE_AGENT_ARGV.slice(1),
  defaultProvider: 'command',
};

const IDENTITY = ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false'];

export interface TempRepo {
  /** Real path of the checkout. */
  dir: string;
  git(...args: string[]): string;
  write(path: string, text: string): void;
  commit(message: string): string;
  cleanup(): void;
}

/** A repository with one commit holding `files` (default: README.md and src/app.txt). */
export function tempRepo(files: Record<string, string> = { 'README.md': 'hello\n', 'src/app.txt': 'app\n' }): TempRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentd-repo-')));
  const git = (...args: string[]) => execFileSync('git', [...IDENTITY, '-C', dir, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, LC_ALL: 'C' } });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git('init', '-q');
  for (const [path, text] of Object.entries(files)) write(path, text);
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  commit('initial');
  return { dir, git, write, commit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
