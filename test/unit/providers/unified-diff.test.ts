import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/providers/unified-diff.js';

/**
 * Applies a unified diff strictly: every hunk's header must match its body, and every context and
 * removed line must be where the header says. Returns the patched text.
 */
function applyStrict(before: string, diff: string): string {
  const lines = diff.split('\n');
  expect(lines.pop()).toBe('');
  const source = before === '' ? [] : before.split(/(?<=\n)/);
  const out: string[] = [];
  let cursor = 0;
  let i = 2;
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i]!);
    expect(header, `hunk header at line ${i}: ${lines[i]}`).not.toBeNull();
    const oldCount = header![2] === undefined ? 1 : Number(header![2]);
    const newCount = header![4] === undefined ? 1 : Number(header![4]);
    const oldStart = oldCount === 0 ? Number(header![1]) : Number(header![1]) - 1;
    expect(oldStart).toBeGreaterThanOrEqual(cursor);
    out.push(...source.slice(cursor, oldStart));
    expect(Number(header![3]) - (newCount === 0 ? 0 : 1)).toBe(out.length);
    cursor = oldStart;
    i++;
    let seenOld = 0;
    let seenNew = 0;
    while (i < lines.length && !lines[i]!.startsWith('@@')) {
      const kind = lines[i]![0];
      let text = lines[i]!.slice(1);
      i++;
      const noNewline = lines[i] === '\\ No newline at end of file';
      if (noNewline) i++;
      else text += '\n';
      if (kind !== '+') {
        expect(source[cursor], `line ${cursor + 1} of the old text`).toBe(text);
        cursor++;
        seenOld++;
      }
      if (kind !== '-') {
        out.push(text);
        seenNew++;
      }
    }
    expect([seenOld, seenNew]).toEqual([oldCount, newCount]);
  }
  out.push(...source.slice(cursor));
  return out.join('');
}

describe('unified diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentd-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** GNU diff's hunks for the same texts (headers dropped: they carry timestamps). */
  const gnu = (before: string, after: string) => {
    writeFileSync(join(dir, 'a'), before);
    writeFileSync(join(dir, 'b'), after);
    try {
      execFileSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
      return '';
    } catch (err) {
      return (err as { stdout: string }).stdout.split('\n').slice(2).join('\n');
    }
  };
  const hunksOf = (diff: string | null) => diff!.split('\n').slice(2).join('\n');

  it('shows an edit with three lines of context and line numbers, as diff -u does', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'LINE TEN\n').replace('line 15\n', '');
    const diff = unifiedDiff('src/x.txt', before, after);
    expect(diff).toBe(
      '--- a/src/x.txt\n+++ b/src/x.txt\n@@ -7,12 +7,11 @@\n line 7\n line 8\n line 9\n-line 10\n+LINE TEN\n line 11\n' +
        ' line 12\n line 13\n line 14\n-line 15\n line 16\n line 17\n line 18\n',
    );
    expect(hunksOf(diff)).toBe(gnu(before, after));
  });

  it('splits distant changes into separate hunks, as diff -u does', () => {
    const before = Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n') + '\n';
    const after = before.replace('l2\n', 'two\n').replace('l30\n', 'thirty\n');
    expect(hunksOf(unifiedDiff('f', before, after))).toBe(gnu(before, after));
  });

  it('a new file is all additions against /dev/null', () => {
    expect(unifiedDiff('new.txt', null, 'hello\nworld\n')).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n');
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('f', 'a\nb', 'a\nb\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('equal texts have no diff', () => {
    expect(unifiedDiff('f', 'same\n', 'same\n')).toBeNull();
  });

  it('applying the diff to the old text gives the new text, for any pair of texts', () => {
    const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 }).chain((lines) =>
      fc.boolean().map((finalNewline) => lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '')),
    );
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff('f', before, after);
        if (before === after) return diff === null;
        expect(applyStrict(before, diff!)).toBe(after);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
