import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this module whether it runs from src/ (tests) or dist/src/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'agent-orchestrator') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the agent-orchestrator package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();
/** Put on agents' PATH so they can call `agentctl`. */
export const BIN_DIR = join(PACKAGE_ROOT, 'bin');
export const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The supervisor program agentd starts for each run (built JavaScript, also when agentd runs from source in tests). */
export const SUPERVISOR_MAIN = join(PACKAGE_ROOT, 'dist', 'src', 'supervisor', 'main.js');
