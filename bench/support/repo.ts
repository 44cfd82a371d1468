/**
 * Where things are, whether this runs as built JS (`dist/bench/…`, `npm run bench`) or as
 * TypeScript source under vitest (`bench/…`, the quick check in `npm test`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'agent-orchestrator') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the agent-orchestrator checkout above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
export const AGENTD_BIN = join(REPO_ROOT, 'bin', 'agentd');
export const AGENTCTL_BIN = join(REPO_ROOT, 'bin', 'agentctl');
/** Built reference servers; `npm run bench` and `npm test` both build first. */
export const BUILT_SERVERS = join(REPO_ROOT, 'dist', 'bench', 'servers');
export const FIXTURES = join(REPO_ROOT, 'bench', 'fixtures');

/** A scratch directory removed by the returned function. */
export function scratchDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `agentd-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
