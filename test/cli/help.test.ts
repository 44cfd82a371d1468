import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { AGENTCTL_BIN, AGENTD_BIN, agentctl } from '../support/processes.js';
import { REPO_ROOT } from '../../bench/support/repo.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every command of agentctl with its path, the root included. */
function commands(root: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return [{ path, command: root }, ...root.commands.flatMap((c) => commands(c, [...path, c.name()]))];
}

/** What `--help` prints for a command, including text added after the option list. */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('agentctl help, start here and versions', () => {
  it('every command\'s --help ends with an example that calls it', () => {
    const all = commands(buildProgram(VERSION));
    expect(all.length).toBeGreaterThan(25);
    for (const { path, command } of all) {
      const help = helpOf(command);
      const examples = /\nExamples?:\n((?: {2}\$ .+\n?)+)$/.exec(help.trimEnd() + '\n');
      expect(examples, `agentctl ${path.join(' ')} --help has no example`).not.toBeNull();
      const name = path.at(-1) ?? 'agentctl';
      expect(examples![1], `agentctl ${path.join(' ')}: an example calls it`).toContain(name);
    }
  });

  it('agentctl alone prints a short "start here" and exits 0', async () => {
    const r = await agentctl([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^agentctl — the command-line client of agentd\n\nStart here:\n/);
    expect(r.stdout).toContain('agentctl daemon status');
    expect(r.stdout).toContain('--follow');
    expect(r.stdout.split('\n').length).toBeLessThan(15);
  });

  it('agentd --version and agentctl --version print the package version', async () => {
    const [d, c] = await Promise.all([run(AGENTD_BIN, ['--version']), run(AGENTCTL_BIN, ['--version'])]);
    expect(d).toEqual({ code: 0, stdout: `${VERSION}\n` });
    expect(c).toEqual({ code: 0, stdout: `${VERSION}\n` });
  });

  it('agentd --help has examples too', async () => {
    const r = await run(AGENTD_BIN, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}\$ agentd\n/);
  });

  it('a URL that is not one is a usage error, not a stack trace', async () => {
    const r = await agentctl(['daemon', 'status'], { AGENTCTL_URL: 'http://' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('agentd URL "http://" is not a URL');
    expect(r.stderr).not.toContain('    at ');
  });

  describe('daemon status and versions', () => {
    let d: TestDaemon;
    let older: string;
    beforeAll(async () => {
      d = await startTestDaemon();
      // An agentctl of another version: the same bundle beside a package.json that says 9.9.9.
      older = mkdtempSync(join(tmpdir(), 'agentctl-version-'));
      mkdirSync(join(older, 'bin'));
      mkdirSync(join(older, 'dist', 'src'), { recursive: true });
      for (const f of ['bin/agentctl', 'bin/package.json', 'dist/src/agentctl.bundle.cjs']) copyFileSync(join(REPO_ROOT, f), join(older, f));
      writeFileSync(join(older, 'package.json'), JSON.stringify({ name: 'agent-orchestrator', version: '9.9.9' }));
    });
    afterAll(async () => {
      await d.close();
      rmSync(older, { recursive: true, force: true });
    });

    it('says nothing when agentd and agentctl are the same version', async () => {
      const r = await agentctl(['daemon', 'status'], { AGENTCTL_URL: d.url });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`agentd ${VERSION}`);
      expect(r.stderr).toBe('');
    });

    it('warns on stderr when they differ, and stdout stays parseable', async () => {
      const bin = join(older, 'bin', 'agentctl');
      expect((await run(bin, ['--version'])).stdout).toBe('9.9.9\n');
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, '--format', 'json', 'daemon', 'status'], { env: { PATH: process.env.PATH, AGENTCTL_URL: d.url } });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).version).toBe(VERSION);
      expect(r.stderr).toBe(`agentctl: warning: agentd is version ${VERSION} but agentctl is 9.9.9; use the agentctl that came with this agentd, or upgrade both\n`);
    });
  });
});
