import { defineConfig } from 'vitest/config';

/**
 * The safety tests run twice: on the native helpers (native/fsat.c), and on the pure-JS path a machine
 * without them takes (MOMENTUM_PERMS_NATIVE=0). Every attack they set up must fail the same way on both.
 */
const SAFETY = [
  'test/io/io-path.test.ts',
  'test/walk/**/*.test.ts',
  'test/fix/apply.disk.test.ts',
  'test/fix/attacks-*.test.ts',
  'test/fix/kill.e2e.test.ts',
  'test/fix/trust.disk.test.ts',
  'test/fix/journal-bounds.disk.test.ts',
  'test/fix/acl.disk.test.ts',
  'test/example/attacks.e2e.test.ts',
  'test/audit/findings.disk.test.ts',
];

export default defineConfig({
  test: {
    // Real-filesystem suites chown and chmod in temporary roots; running files in parallel is fine,
    // but two cores make more workers pointless.
    maxWorkers: 2,
    testTimeout: 60_000,
    // Set-up hooks build trees of thousands of entries; with the package suites (rpm, dpkg, apt, lintian)
    // sharing the two cores, vitest's default of 10 s was measured too short for them.
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'native', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'pure-js', include: SAFETY, env: { MOMENTUM_PERMS_NATIVE: '0' } } },
    ],
  },
});
