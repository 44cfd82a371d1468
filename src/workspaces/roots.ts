/**
 * Which directories sessions may work in. Paths are compared as real paths (symlinks resolved),
 * so a link inside an allowed root that points outside it does not get out.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '../domain/errors.js';

/** Whether `path` is `root` or lies below it (both real, absolute paths). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith('../'));
}

/** `path` (relative to `base`) as the real path of an existing directory, or `invalid_cwd`. */
export function realDirectory(path: string, base: string): string {
  const absolute = isAbsolute(path) ? path : resolve(base, path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new AppError('invalid_cwd', `cwd ${absolute} is not an existing directory`, { cwd: absolute });
  }
  if (!statSync(real).isDirectory()) throw new AppError('invalid_cwd', `cwd ${absolute} is not an existing directory`, { cwd: absolute });
  return real;
}

export class AllowedRoots {
  /**
   * @param roots real paths from `--allowed-root`; none means any directory.
   * @param worktreesDir where agentd makes worktrees: always allowed, it is agentd's own.
   */
  constructor(
    readonly roots: readonly string[],
    private readonly worktreesDir: string,
  ) {}

  get restricted(): boolean {
    return this.roots.length > 0;
  }

  /** Refuses a real path outside every allowed root with `invalid_cwd`. */
  check(real: string, asked: string = real): void {
    if (!this.restricted) return;
    if (this.roots.some((root) => isWithin(root, real))) return;
    const worktrees = existsSync(this.worktreesDir) ? realpathSync(this.worktreesDir) : null;
    if (worktrees && isWithin(worktrees, real)) return;
    const via = real === asked ? '' : ` (${asked} leads there)`;
    throw new AppError('invalid_cwd', `cwd ${real}${via} is outside the allowed roots: ${this.roots.join(', ')}`, { cwd: real, allowed_roots: [...this.roots] });
  }
}
