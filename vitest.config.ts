import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-filesystem suites chown and chmod in temporary roots; running files in parallel is fine,
    // but two cores make more workers pointless.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
