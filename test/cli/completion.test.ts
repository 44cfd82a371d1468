import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { completionTree, allNodes, type CompletionNode } from '../../src/cli/completion/tree.js';
import { bashCompletion } from '../../src/cli/completion/bash.js';
import { zshCompletion } from '../../src/cli/completion/zsh.js';
import { fishCompletion } from '../../src/cli/completion/fish.js';
import { agentctl } from '../support/processes.js';

type Shell = 'bash' | 'zsh' | 'fish';
const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;
/** A shell that is not installed is skipped on a workstation; under CI=true (.ci/run installs them) it fails. */
const skip = (shell: string) => !has(shell) && process.env.CI !== 'true';
const generate = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

/**
 * Each shell runs its script and answers "what completes `agentctl <typed>`?" for every query, one
 * line of candidates per query. zsh's completion system needs a terminal; its builtins that hand
 * candidates to it (_describe, compadd) are replaced by ones that print them.
 */
const drivers: Record<Shell, (script: string, queries: string[][]) => string[]> = {
  bash: (script, queries) => [
    script,
    'q() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _agentctl; echo "${COMPREPLY[*]}"; }',
    ...queries.map((words) => `q ${words.map(sh).join(' ')}`),
  ],
  zsh: (script, queries) => [
    'compdef() { :; }',
    // Like compsys, offer only the candidates that start with the word being completed.
    '_describe() { print -r -- ${(M)${${(P)4}%%:*}:#${words[CURRENT]}*}; }',
    'compadd() { print -r -- ${(M)${(P)2}:#${words[CURRENT]}*}; }',
    '_default() { print -r -- "<files>"; }',
    script,
    'q() { words=("$@"); CURRENT=${#words}; _agentctl; }',
    ...queries.map((words) => `q ${words.map(sh).join(' ')}`),
  ],
  fish: (script, queries) => [
    script,
    ...queries.map((words) => `echo (complete -C ${fishQuote(words.join(' '))} | string split -f1 \\t)`),
  ],
};
const sh = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
const fishQuote = (w: string) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

describe('agentctl completion', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentctl-completion-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Candidates per query, as the shell computes them (sorted: fish sorts, bash and zsh keep order). */
  function complete(shell: Shell, program: Command, queries: string[][]): Promise<string[][]> {
    const script = generate[shell](completionTree(program), 'test');
    const file = join(dir, `driver.${shell}`);
    writeFileSync(file, drivers[shell](script, queries).join('\n') + '\n');
    return new Promise((resolve, reject) => {
      const child = spawn(shell, shell === 'zsh' ? ['-f', file] : [file], { env: { PATH: process.env.PATH, HOME: dir } });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0 || err) return reject(new Error(`${shell} exited ${code}: ${err}`));
        const lines = out.split('\n').slice(0, queries.length);
        resolve(lines.map((l) => l.split(' ').filter(Boolean).sort()));
      });
    });
  }

  const shells: Shell[] = ['bash', 'zsh', 'fish'];
  for (const shell of shells) {
    describe.skipIf(skip(shell))(shell, () => {
      it('completes every command of the tree, at every level', async () => {
        const tree = completionTree(buildProgram('test'));
        const groups = allNodes(tree).filter((n: CompletionNode) => n.commands.length > 0);
        const got = await complete(shell, buildProgram('test'), groups.map((n) => ['agentctl', ...n.path, '']));
        expect(got).toEqual(groups.map((n) => n.commands.map((c) => c.name).sort()));
        expect(groups.flatMap((n) => n.commands).length).toBeGreaterThan(25);
      });

      it('completes options, option values and skips option values when finding the command', async () => {
        const got = await complete(shell, buildProgram('test'), [
          ['agentctl', '--url', 'http://127.0.0.1:1', 'run', 'w'],
          ['agentctl', 'run', 'wait', '--'],
          ['agentctl', '--format', ''],
          ['agentctl', 'run', 'wait', '--format', ''],
          ['agentctl', 'run', 'transition', '--state', ''],
          ['agentctl', 'completion', ''],
        ]);
        expect(got[0]).toEqual(['wait']);
        expect(got[1]).toEqual(expect.arrayContaining(['--run-id', '--timeout-s', '--format', '--url', '--help']));
        expect(got[2]).toEqual(['human', 'json']);
        expect(got[3]).toEqual(['human', 'json']);
        expect(got[4]).toEqual(['cancelled', 'completed', 'failed', 'interrupted', 'queued', 'running']);
        expect(got[5]).toEqual(['bash', 'fish', 'zsh']);
      });

      it('a command added to the program completes without touching the generators', async () => {
        const extra = new Command('zz-new').description('a later feature');
        extra.command('leaf').description('its subcommand').option('--colour <c>', 'a choice');
        const got = await complete(shell, buildProgram('test', [extra]), [['agentctl', 'zz'], ['agentctl', 'zz-new', ''], ['agentctl', 'zz-new', 'leaf', '--c']]);
        expect(got).toEqual([['zz-new'], ['leaf'], ['--colour']]);
      });
    });
  }

  it('agentctl completion bash|zsh|fish prints the script; --help says how to install each', async () => {
    for (const shell of shells) {
      const r = await agentctl(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`completion for agentctl`);
      expect(r.stdout).toContain('session-reply-parent');
    }
    const help = await agentctl(['completion', '--help']);
    expect(help.stdout).toContain("echo 'source <(agentctl completion bash)' >> ~/.bashrc");
    expect(help.stdout).toContain('agentctl completion zsh > "${fpath[1]}/_agentctl"');
    expect(help.stdout).toContain('agentctl completion fish > ~/.config/fish/completions/agentctl.fish');
    expect((await agentctl(['completion', 'powershell'])).code).toBe(2);
  });
});
