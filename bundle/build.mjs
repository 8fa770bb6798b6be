#!/usr/bin/env node
/**
 * Bundle the compiled CLI (dist/cli.js, tsc's output) into dist/bundle/: cli.js and the chunks its commands
 * load on demand, with chalk and commander inside. Run by `npm run build` after tsc; bin/momentum-perms.js
 * imports dist/bundle/cli.js. One module per command instead of about a hundred to find, read and compile:
 * docs/performance.md has the start-up it saves. The rest of dist/ (the library API, dist/index.js) stays.
 *
 * dist/bundle/ is at the depth of dist/io/ and dist/rules/ on purpose: the code finds the native helpers
 * (`../native/fsat.node`) and the shipped rules (`../../rules/`) relative to its own `import.meta.url`.
 * The directory is emptied first, so that no chunk of an older build is left beside the new ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const entry = path.join(dist, 'cli.js');
const outdir = path.join(dist, 'bundle');

if (!fs.existsSync(entry)) {
  process.stderr.write(`error: ${entry} is missing: tsc builds it first (npm run build)\n`);
  process.exit(1);
}
fs.rmSync(outdir, { recursive: true, force: true });

try {
  await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
    // commander is CommonJS and calls require('node:events') and the like: an ES module has no `require`.
    banner: { js: "import { createRequire as __mpCreateRequire } from 'node:module'; const require = __mpCreateRequire(import.meta.url);" },
  });
} catch (e) {
  // esbuild has printed the errors themselves; leave no half-written bundle for bin/ to load.
  fs.rmSync(outdir, { recursive: true, force: true });
  process.stderr.write(`error: bundling ${entry} failed${e && e.errors ? '' : `: ${e && e.message ? e.message : e}`}\n`);
  process.exit(1);
}
