#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ by `npm run build` (run on `npm ci`
// through `prepare`): a handful of modules to load instead of about a hundred.
import { main } from '../dist/bundle/cli.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Only a bug reaches this point: expected failures are mapped to exit codes inside main().
    process.stderr.write(`momentum-perms: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
