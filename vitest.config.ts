import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-filesystem suites chown and chmod in temporary roots; running files in parallel is fine,
    // but two cores make more workers pointless.
    maxWorkers: 2,
    testTimeout: 60_000,
    // Set-up hooks build trees of thousands of entries; with the package suites (rpm, dpkg, apt, lintian)
    // sharing the two cores, vitest's default of 10 s was measured too short for them.
    hookTimeout: 120_000,
  },
});
