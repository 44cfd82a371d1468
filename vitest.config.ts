import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Servers and real agent CLIs are started per test file; keep parallelism to the 2 cores we have.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // A limit that only catches hangs: on a loaded 2-core machine an honest test may take several
    // times its idle duration, and a tight limit turned load into failures (issue 20).
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
