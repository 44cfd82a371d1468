import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, RETRY_JITTER, retryDelayMs } from '../../../src/domain/notifications.js';

describe('the retry schedule of a delivery', () => {
  it('grows ×3 from 10 s, is capped at 8 h, and gives up after 11 attempts spread over about a day', () => {
    const nominal = Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1, 0.5));
    expect(nominal.slice(0, -1)).toEqual([10, 30, 90, 270, 810, 2430, 7290, 21870, 28800, 28800].map((s) => s * 1000));
    expect(nominal.at(-1)).toBeNull();
    const totalHours = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(20);
    expect(totalHours).toBeLessThan(30);
  });

  it('jitters each delay by at most ±25 %, so the retries of many deliveries spread out', () => {
    expect(RETRY_JITTER).toBe(0.25);
    for (const [i, base] of RETRY_DELAYS_MS.entries()) {
      expect(retryDelayMs(i + 1, 0)).toBe(Math.round(base * 0.75));
      expect(retryDelayMs(i + 1, 0.999999)).toBe(Math.round(base * (0.75 + 0.5 * 0.999999)));
      expect(retryDelayMs(i + 1, 0.2)).not.toBe(retryDelayMs(i + 1, 0.7));
    }
  });
});
