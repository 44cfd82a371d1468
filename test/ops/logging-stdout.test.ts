import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOGGING = pathToFileURL(join(import.meta.dirname, '../../dist/src/logging.js')).href;

/** Runs a process that logs `count` JSON lines to its stdout (a pipe), then ends as `ending` says. */
function logThenEnd(count: number, ending: string): Promise<{ code: number | null; lines: { i: number; msg: string }[] }> {
  const script = `
    import { createLogger } from ${JSON.stringify(LOGGING)};
    const { logger } = await createLogger({ level: 'info', format: 'json', file: null, rotateSizeMb: 1, rotateKeep: 1 });
    for (let i = 0; i < ${count}; i++) logger.info({ i, url: '/runs/x', status: 200 }, 'request');
    ${ending}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number; msg: string }) }));
  });
}

describe('JSON log lines to stdout are written asynchronously', () => {
  it('every line logged reaches the pipe, in order, when the process exits right after', async () => {
    const { code, lines } = await logThenEnd(20000, 'process.exit(3);');
    expect(code).toBe(3);
    expect(lines.map((l) => l.i)).toEqual([...Array(20000).keys()]);
  });

  it('and when it crashes on an uncaught error', async () => {
    const { code, lines } = await logThenEnd(5000, "setImmediate(() => { throw new Error('boom'); });");
    expect(code).toBe(1);
    expect(lines).toHaveLength(5000);
    expect(lines.at(-1)).toMatchObject({ i: 4999, msg: 'request' });
  });
});
