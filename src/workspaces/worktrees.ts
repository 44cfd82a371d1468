/**
 * Git worktrees for sessions: one new branch per worktree, made from the repository's HEAD, in a
 * directory agentd owns. What git refuses becomes a problem a person can act on: not a
 * repository, a branch that exists, uncommitted changes, no git at all.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AppError } from '../domain/errors.js';
import { gitMessage, type Git } from './git.js';

/** A worktree as recorded with its session. */
export interface WorktreeRecord {
  /** The worktree's top directory (a real path). */
  path: string;
  branch: string;
  /** The commit the branch was made from: what `diff` compares against. */
  base_commit: string;
  /** The checkout it was made from (its top directory). */
  repository: string;
}

export interface CreatedWorktree extends WorktreeRecord {
  /** Where the session works: the same subdirectory of the worktree as the one asked for in the repository. */
  cwd: string;
}

export interface CreateWorktreeInput {
  /** A real directory inside the repository (the session's requested cwd). */
  from: string;
  /** The directory worktrees are created under. */
  dir: string;
  /** Unique name of the worktree's directory (the session id). */
  name: string;
  /** The new branch; default `agentd/<name>`. */
  branch?: string | undefined;
  /** Make it even though the repository has uncommitted changes (they stay behind). */
  allowDirty?: boolean | undefined;
}

const listed = (porcelain: string) => porcelain.split('\n').filter(Boolean).map((line) => line.slice(3));

/** The repository around `dir`: its top directory and the path of `dir` inside it. */
async function repositoryOf(git: Git, dir: string): Promise<{ top: string; prefix: string }> {
  const found = await git.run(dir, ['rev-parse', '--show-toplevel', '--show-prefix']);
  if (found.code !== 0) {
    const message = gitMessage(found);
    if (/not a git repository|must be run in a work tree/i.test(message)) {
      throw new AppError('not_a_git_repository', `${dir} is not inside a git repository with a working tree (git: ${message})`, { cwd: dir });
    }
    throw new AppError('worktree_failed', `git cannot read the repository at ${dir}: ${message}`);
  }
  const [top = '', prefix = ''] = found.stdout.split('\n');
  return { top, prefix };
}

export async function createWorktree(git: Git, input: CreateWorktreeInput): Promise<CreatedWorktree> {
  const { top, prefix } = await repositoryOf(git, input.from);
  const head = await git.run(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.code !== 0) throw new AppError('worktree_failed', `the repository at ${top} has no commit yet; a worktree starts from HEAD, so commit something first`);
  const base = head.stdout.trim();

  const wanted = input.branch ?? `agentd/${input.name}`;
  const checked = await git.run(top, ['check-ref-format', '--branch', wanted]);
  if (checked.code !== 0 || wanted.startsWith('-')) {
    throw new AppError('invalid_branch', `"${wanted}" is not a valid branch name (see git check-ref-format)`, { branch: wanted });
  }
  const branch = checked.stdout.trim();
  if ((await git.run(top, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0) {
    throw new AppError('branch_exists', `branch ${branch} already exists in ${top}; name another with --branch`, { branch });
  }
  if (!input.allowDirty) {
    const changed = listed(await git.ok(top, ['status', '--porcelain=v1', '--untracked-files=no']));
    if (changed.length > 0) {
      throw new AppError('dirty_base', `the repository at ${top} has uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}); the worktree would start from HEAD without them. Commit or stash them, or pass allow_dirty (--allow-dirty)`, {
        changed: changed.slice(0, 20),
        changed_count: changed.length,
      });
    }
  }

  const parent = join(input.dir, basename(top).replace(/[^\w.-]/g, '_') || 'repository');
  mkdirSync(parent, { recursive: true });
  const path = join(parent, input.name);
  const added = await git.run(top, ['worktree', 'add', '-b', branch, path, base]);
  if (added.code !== 0) {
    const message = gitMessage(added);
    // Another request made the same branch between our check and this add.
    if (/already exists/.test(message) && !existsSync(path)) throw new AppError('branch_exists', `branch ${branch} already exists in ${top}`, { branch });
    throw new AppError('worktree_failed', `git worktree add failed: ${message}`);
  }
  const real = realpathSync(path);
  // The subdirectory asked for exists in the worktree only if git tracks something in it.
  const sub = join(real, prefix);
  const cwd = prefix && existsSync(sub) && statSync(sub).isDirectory() ? sub.replace(/\/$/, '') : real;
  return { path: real, branch, base_commit: base, repository: top, cwd };
}

/** Undoes createWorktree when the session could not be recorded: the directory and the branch go. */
export async function discardWorktree(git: Git, wt: WorktreeRecord): Promise<void> {
  await git.run(wt.repository, ['worktree', 'remove', '--force', wt.path]);
  await git.run(wt.repository, ['branch', '-D', wt.branch]);
}

/** Uncommitted changes in the worktree (untracked files too, ignored ones not). */
export async function uncommittedChanges(git: Git, wt: WorktreeRecord): Promise<string[]> {
  return listed(await git.ok(wt.path, ['status', '--porcelain=v1', '--untracked-files=all']));
}

/**
 * Removes the worktree's directory; the branch stays, with whatever was committed on it. A
 * directory someone already deleted is pruned from git's list instead.
 */
export async function removeWorktree(git: Git, wt: WorktreeRecord, force: boolean): Promise<{ already_gone: boolean }> {
  if (!existsSync(wt.path)) {
    await git.run(wt.repository, ['worktree', 'prune']);
    return { already_gone: true };
  }
  if (!force) {
    const changed = await uncommittedChanges(git, wt);
    if (changed.length > 0) {
      throw new AppError('worktree_dirty', `the worktree ${wt.path} has uncommitted changes (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}); commit them on ${wt.branch}, or remove it with --force to discard them`, {
        changed: changed.slice(0, 20),
        changed_count: changed.length,
      });
    }
  }
  // Run from inside the worktree: it works even if the original checkout was moved away.
  const removed = await git.run(wt.path, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), wt.path]);
  if (removed.code !== 0) throw new AppError('worktree_failed', `git worktree remove failed: ${gitMessage(removed)}`);
  return { already_gone: false };
}

export interface FileChange {
  path: string;
  /** git's letter: A added, M modified, D deleted, T type changed. */
  status: string;
  /** null for a binary file. */
  insertions: number | null;
  deletions: number | null;
}

export interface WorktreeDiff {
  base_commit: string;
  head_commit: string;
  /** Commits on the branch since the base. */
  commits: number;
  /** Whether the worktree holds changes not committed yet (they are part of the diff). */
  uncommitted: boolean;
  files: FileChange[];
  insertions: number;
  deletions: number;
  /** The unified diff, cut at `maxPatchBytes`. */
  patch: string;
  truncated: boolean;
}

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-renames', '--no-textconv'];

/**
 * What the session changed against its base: commits on its branch and, while the worktree
 * exists, every uncommitted change too — new files included. Untracked files are staged into a
 * throwaway copy of the index, so the worktree's own index is never touched.
 */
export async function diffWorktree(git: Git, wt: WorktreeRecord & { removed: boolean }, maxPatchBytes: number): Promise<WorktreeDiff> {
  const live = !wt.removed && existsSync(wt.path);
  if (!live) {
    // The directory is gone; the branch keeps what was committed.
    const tip = await git.run(wt.repository, ['rev-parse', '--verify', '--quiet', `refs/heads/${wt.branch}^{commit}`]);
    if (tip.code !== 0) throw new AppError('worktree_failed', `the worktree is gone and so is its branch ${wt.branch}; nothing is left to compare`);
    const head = tip.stdout.trim();
    const range = [wt.base_commit, head];
    return summarise(git, wt.repository, range, {}, wt.base_commit, head, false, maxPatchBytes);
  }
  const head = (await git.ok(wt.path, ['rev-parse', 'HEAD'])).trim();
  const uncommitted = (await uncommittedChanges(git, wt)).length > 0;
  const scratch = mkdtempSync(join(tmpdir(), 'agentd-diff-'));
  try {
    const index = join(scratch, 'index');
    const own = (await git.ok(wt.path, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])).trim();
    // A copy keeps git's stat cache, so only changed files are hashed again.
    if (existsSync(own)) copyFileSync(own, index);
    const env = { GIT_INDEX_FILE: index };
    await git.ok(wt.path, ['add', '--all', '--', '.'], env);
    return await summarise(git, wt.path, ['--cached', wt.base_commit], env, wt.base_commit, head, uncommitted, maxPatchBytes);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function summarise(git: Git, dir: string, range: string[], env: Record<string, string>, base: string, head: string, uncommitted: boolean, maxPatchBytes: number): Promise<WorktreeDiff> {
  const statuses = (await git.ok(dir, ['diff', ...DIFF_FLAGS, '--name-status', '-z', ...range], env)).split('\0');
  const counts = (await git.ok(dir, ['diff', ...DIFF_FLAGS, '--numstat', '-z', ...range], env)).split('\0');
  const numbers = new Map<string, [number | null, number | null]>();
  for (const entry of counts) {
    const [added, deleted, ...path] = entry.split('\t');
    if (path.length === 0) continue;
    numbers.set(path.join('\t'), [added === '-' ? null : Number(added), deleted === '-' ? null : Number(deleted)]);
  }
  const files: FileChange[] = [];
  for (let i = 0; i + 1 < statuses.length; i += 2) {
    const status = statuses[i]!.trim();
    const path = statuses[i + 1]!;
    if (!status) break;
    const [insertions, deletions] = numbers.get(path) ?? [null, null];
    files.push({ path, status: status[0]!, insertions, deletions });
  }
  const patchText = await git.ok(dir, ['diff', ...DIFF_FLAGS, ...range], env);
  const commits = Number((await git.ok(dir, ['rev-list', '--count', `${base}..${head}`])).trim());
  const truncated = Buffer.byteLength(patchText) > maxPatchBytes;
  const patch = truncated ? cutAtLine(patchText, maxPatchBytes) : patchText;
  return {
    base_commit: base,
    head_commit: head,
    commits,
    uncommitted,
    files,
    insertions: files.reduce((n, f) => n + (f.insertions ?? 0), 0),
    deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
    patch,
    truncated,
  };
}

function cutAtLine(text: string, maxBytes: number): string {
  const cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  const end = cut.lastIndexOf('\n');
  return end >= 0 ? cut.slice(0, end + 1) : '';
}
