import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../../src/metrics/hot-path.js';
import { parsePrometheus, sampleValue } from '../../support/prometheus.js';

describe('hot-path metrics render as Prometheus does', () => {
  it('a histogram has cumulative buckets, +Inf, sum and count per label set; a counter its totals', async () => {
    const registry = new client.Registry();
    const h = new HotHistogram('t_seconds', 'test', registry, [0.1, 1]);
    const c = new HotCounter('t_total', 'test', registry);
    const fast = h.handle('fast', { route: '/a' });
    for (const v of [0.05, 0.1, 0.5, 3]) fast.observe(v);
    h.observe('slow', () => ({ route: '/b' }), 2);
    c.inc('x', () => ({ type: 'x' }));
    c.handle('x', { type: 'x' }).inc(2);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_seconds histogram');
    expect(text).toContain('# TYPE t_total counter');
    const m = parsePrometheus(text);
    expect(sampleValue(m, 't_seconds_bucket', { route: '/a', le: '0.1' })).toBe(2);
    expect(sampleValue(m, 't_seconds_bucket', { route: '/a', le: '1' })).toBe(3);
    expect(sampleValue(m, 't_seconds_bucket', { route: '/a', le: '+Inf' })).toBe(4);
    expect(sampleValue(m, 't_seconds_sum', { route: '/a' })).toBeCloseTo(3.65);
    expect(sampleValue(m, 't_seconds_count', { route: '/a' })).toBe(4);
    expect(sampleValue(m, 't_seconds_bucket', { route: '/b', le: '1' })).toBe(0);
    expect(sampleValue(m, 't_seconds_count', { route: '/b' })).toBe(1);
    expect(sampleValue(m, 't_total', { type: 'x' })).toBe(3);
  });
});
