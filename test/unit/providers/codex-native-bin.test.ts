import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { launchEnv, nativeCodex } from '../../../src/providers/codex/native-bin.js';
import { CODEX_BIN } from '../../support/model-server.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the native codex behind the npm script', () => {
  it('is found for the installed @openai/codex, by path or by name on PATH, and is the same codex', async () => {
    const launch = nativeCodex(CODEX_BIN, undefined);
    expect(launch?.file).toMatch(/\/vendor\/[^/]+\/bin\/codex$/);
    expect(launch?.env).toEqual({ CODEX_MANAGED_PACKAGE_ROOT: expect.stringMatching(/@openai\/codex$/), CODEX_MANAGED_BY_NPM: '1' });
    expect(nativeCodex('codex', `/nonexistent:${dirname(CODEX_BIN)}`)).toEqual(launch);
    const [viaScript, direct] = await Promise.all([run(CODEX_BIN, ['--version']), run(launch!.file, ['--version'])]);
    expect(direct.stdout).toBe(viaScript.stdout);
  });

  it('is not looked for behind anything else: a native codex, another script, a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentd-codex-bin-'));
    dirs.push(dir);
    const other = join(dir, 'other', 'bin');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(dir, 'other', 'package.json'), JSON.stringify({ name: 'not-codex' }));
    writeFileSync(join(other, 'codex.js'), '#!/usr/bin/env node\n');
    chmodSync(join(other, 'codex.js'), 0o755);
    symlinkSync(join(other, 'codex.js'), join(dir, 'codex'));
    expect(nativeCodex(join(dir, 'codex'), undefined)).toBeNull();
    expect(nativeCodex(join(dir, 'missing'), undefined)).toBeNull();
    expect(nativeCodex('codex', dir)).toBeNull();
    expect(nativeCodex('/bin/sh', undefined)).toBeNull();
  });

  it('its environment is the agent’s plus what the script sets, without another manager’s marker', () => {
    const env = launchEnv({ PATH: '/p', CODEX_MANAGED_BY_PNPM: '1' }, { file: '/x/codex', env: { CODEX_MANAGED_PACKAGE_ROOT: '/r', CODEX_MANAGED_BY_NPM: '1' } });
    expect(env).toEqual({ PATH: '/p', CODEX_MANAGED_PACKAGE_ROOT: '/r', CODEX_MANAGED_BY_NPM: '1' });
  });
});
