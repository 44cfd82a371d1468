import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolReader, SpoolWriter, supervisorSocketPath } from '../../../src/supervisor/spool.js';

const line = (i: number) => `{"t":"out","n":${i}}\n`;

describe('run spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'agentd-spool-')), 'run_x.1');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('a reader gets every line once, in order, across segments, and a new reader continues exactly at an offset', () => {
    const writer = new SpoolWriter(dir, 64);
    const reader = new SpoolReader(dir, 0);
    const seen: { text: string; end: number }[] = [];
    // Reads interleave with writes, a few lines at a time, as agentd reads behind a supervisor.
    for (let i = 0; i < 50; i++) {
      writer.append(line(i));
      if (i % 7 === 0) seen.push(...reader.read(100));
    }
    for (let batch = reader.read(); batch.length > 0; batch = reader.read()) seen.push(...batch);
    expect(readdirSync(dir).filter((n) => n.endsWith('.spool')).length).toBeGreaterThan(5);
    expect(seen.map((l) => l.text)).toEqual(Array.from({ length: 50 }, (_, i) => line(i).trimEnd()));
    expect(reader.position).toBe(writer.end);

    // A daemon that committed up to line 21 continues at line 22.
    const again = new SpoolReader(dir, seen[21]!.end);
    expect(again.read(1 << 20).map((l) => l.text)).toEqual(seen.slice(22).map((l) => l.text));
    writer.close();
  });

  it('a line is handed over only once complete; an empty spool reads nothing (and returns)', () => {
    const writer = new SpoolWriter(dir);
    const reader = new SpoolReader(dir, 0);
    expect(reader.read()).toEqual([]);
    const segment = join(dir, readdirSync(dir).find((n) => n.endsWith('.spool'))!);
    appendFileSync(segment, '{"t":"out"');
    expect(reader.read()).toEqual([]);
    appendFileSync(segment, ',"n":1}\n');
    expect(reader.read()).toEqual([{ text: '{"t":"out","n":1}', end: 18 }]);
    writer.close();
  });

  it('reads a line longer than its buffer', () => {
    const writer = new SpoolWriter(dir);
    const long = `{"t":"out","text":"${'x'.repeat(700_000)}"}\n`;
    writer.append(long);
    writer.append(line(1));
    const reader = new SpoolReader(dir, 0);
    const got = [...reader.read(1000), ...reader.read(1000)];
    expect(got.map((l) => l.text.length)).toEqual([long.length - 1, line(1).length - 1]);
    writer.close();
  });

  it('trim deletes acknowledged segments, never the one being written; reading from a kept offset still works', () => {
    const writer = new SpoolWriter(dir, 32);
    for (let i = 0; i < 20; i++) writer.append(line(i));
    const reader = new SpoolReader(dir, 0);
    const all = reader.read(1 << 20);
    const ack = all[14]!.end;
    writer.trim(ack);
    const left = readdirSync(dir).filter((n) => n.endsWith('.spool')).map((n) => Number(n.slice(0, 15)));
    expect(Math.min(...left)).toBeLessThanOrEqual(ack);
    expect(left.length).toBeLessThan(20);
    expect(new SpoolReader(dir, ack).read(1 << 20).map((l) => l.text)).toEqual(all.slice(15).map((l) => l.text));
    writer.trim(writer.end);
    expect(readdirSync(dir).filter((n) => n.endsWith('.spool'))).toHaveLength(1);
    writer.close();
  });

  it('a socket path too long for a Unix socket moves to a per-user directory, the same for every process', () => {
    const short = supervisorSocketPath('/tmp/x/run_a.1');
    expect(short).toBe('/tmp/x/run_a.1/sock');
    const deep = `/tmp/${'d'.repeat(120)}/run_a.1`;
    const moved = supervisorSocketPath(deep);
    expect(Buffer.byteLength(moved)).toBeLessThan(100);
    expect(moved).toBe(supervisorSocketPath(deep));
    expect(moved).not.toBe(supervisorSocketPath(`${deep}x`));
  });
});
