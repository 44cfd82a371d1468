import { describe, expect, it } from 'vitest';
import { lineChart, shortNumber, ticks } from '../../bench/support/svg-chart.js';
import { shapeRow, sizesUpTo } from '../../bench/support/growth.js';

describe('growth benchmark support', () => {
  it('ticks at round numbers from zero past the largest value', () => {
    expect(ticks(1_000_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    expect(ticks(7.3)).toEqual([0, 2, 4, 6, 8]);
    expect(shortNumber(333_333)).toBe('333k');
    expect(shortNumber(1_500_000)).toBe('1.5M');
  });

  it('draws every series as a line with a legend, in well-formed SVG with its text escaped', () => {
    const svg = lineChart({ title: 'a < b & c', xLabel: 'x', yLabel: 'y', series: [{ name: 'one', points: [[0, 1], [10, 2]] }, { name: 'two', points: [[0, 3], [10, 1]] }] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('>one</text>');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('says NO when the cost of one item at the largest size is over twice the smallest', () => {
    expect(sizesUpTo(1_000_000)).toEqual([0, 100_000, 333_333, 1_000_000]);
    expect(shapeRow('m', 'ms', 'flat', [{ size: 0, perItem: 1 }, { size: 10, perItem: 2 }]).pass).toBe(true);
    expect(shapeRow('m', 'ms', 'flat', [{ size: 0, perItem: 1 }, { size: 10, perItem: 2.1 }]).pass).toBe(false);
  });
});
