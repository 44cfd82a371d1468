import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The agent CLI versions the test suite runs (exact pins in package.json devDependencies). */
export function testedVersions(packageRoot: string): { codex: string | null; claude: string | null } {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const exact = (name: string) => {
    const spec = pkg.devDependencies?.[name];
    return spec && /^\d+\.\d+\.\d+/.test(spec) ? spec : null;
  };
  return { codex: exact('@openai/codex'), claude: exact('@anthropic-ai/claude-code') };
}
