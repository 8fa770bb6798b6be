import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-filesystem suites chown and chmod in temporary roots; running files in parallel is fine,
    // but two cores make more workers pointless.
    maxWorkers: 2,
    testTimeout: 60_000,
    // Set-up builds real trees (thousands of files, packages): on two busy cores that can take more than
    // vitest's default 10 s.
    hookTimeout: 120_000,
  },
});
