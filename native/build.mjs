#!/usr/bin/env node
/**
 * Build the native helpers (native/fsat.c) into dist/native/fsat.node with the machine's C compiler and
 * Node's own headers. Run by `npm run build` (so by `npm ci` through `prepare`).
 *
 * Never fails the build: without a compiler or headers the tool runs on its pure-JS path (slower, just as
 * safe), and this says so on stderr. `--require` makes a failure an error (the packages are built with it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'fsat.c');
const outDir = path.join(here, '..', 'dist', 'native');
const out = path.join(outDir, 'fsat.node');
const required = process.argv.includes('--require');

function give(reason) {
  fs.rmSync(out, { force: true });
  const msg = `native helpers not built (${reason}): momentum-perms will use its pure-JS path, which is slower`;
  if (required) {
    process.stderr.write(`error: ${msg}\n`);
    process.exit(1);
  }
  process.stderr.write(`warning: ${msg}\n`);
  process.exit(0);
}

if (process.platform !== 'linux') give(`${process.platform} is not Linux`);
if (process.env.MOMENTUM_PERMS_NATIVE === '0') give('MOMENTUM_PERMS_NATIVE=0');

/** Node's headers: beside this node (a distribution's or an official build's), or node-gyp's cache. */
function headers() {
  const version = process.versions.node;
  // The headers installed with this node first: they are its own, and root's where node is.
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(process.env.HOME ?? '/root', '.cache', 'node-gyp', version, 'include', 'node'),
  ];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'node_api.h')));
}

const include = headers();
if (include === undefined) give("Node's headers (node_api.h) were not found");
const cc = process.env.CC ?? 'cc';
fs.mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const r = spawnSync(
  cc,
  ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-fPIC', '-shared', '-fvisibility=hidden',
   // The usual hardening of a distribution's builds.
   '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-Wl,-z,relro,-z,now',
   '-DNODE_GYP_MODULE_NAME=fsat', '-I', include, '-o', tmp, src],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (r.error) give(`${cc}: ${r.error.code ?? r.error.message}`);
if (r.status !== 0) {
  fs.rmSync(tmp, { force: true });
  give(`${cc} exited with ${r.status}`);
}
fs.renameSync(tmp, out);
