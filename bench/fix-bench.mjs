#!/usr/bin/env node
// The fix benchmark: three identical synthetic Momentum spools whose every entry drifted to root:root, put
// right in the same run by
//   1. momentum-perms fix --root      (fd-based, no-follow, journaled, fsynced: the safe way)
//   2. chown -R ecuser:ecuser         (path-based, follows nothing but checks nothing: the unsafe baseline)
//   3. systemd-tmpfiles --create --root with a `Z` line (fd-based, safe, no journal)
// and prints the median wall time of each and its ratio to chown -R (target: fix ≤ 3×).
//
//   node bench/fix-bench.mjs [--entries N] [--runs R] [--keep]
//
// --entries N   spool entries per tree, directories included (default 100,000)
// --runs R      timed runs of each tool (default 3; the trees are drifted again before each run)
// --keep        leave the temporary roots behind
// Must run as root (it chowns). Needs `npm run build` first (bench.mjs's `npm run bench` does it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchRoot, SPOOL } from './spool.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin', 'momentum-perms.js');
const UID = 500;
const GID = 500;

function parseArgs(argv) {
  const o = { entries: 100_000, runs: 3, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--entries') o.entries = Number(next().replace(/[_,]/g, ''));
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.entries) || o.entries < 300) throw new Error('--entries must be a whole number ≥ 300');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be ≥ 1');
  return o;
}

function run(cmd, args, env = process.env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env, maxBuffer: 1 << 28 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return { wall, status: r.status, out: r.stdout, err: r.stderr };
}

function must(what, r, ok = [0]) {
  if (!ok.includes(r.status)) throw new Error(`${what} exited ${r.status}: ${r.err || r.out}`.slice(0, 2000));
  return r;
}

/** Every entry of the spool owned by uid:gid (checked after each tool: a fast wrong answer does not count). */
function allOwned(root, uid, gid) {
  const r = spawnSync('find', [path.join(root, SPOOL), '(', '!', '-uid', String(uid), '-o', '!', '-gid', String(gid), ')', '-print', '-quit'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout === '';
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (x) => `${x.toFixed(2)} s`;

function main() {
  if (process.getuid?.() !== 0) throw new Error('the fix benchmark chowns: run it as root');
  if (!fs.existsSync(path.join(here, '..', 'dist', 'cli.js'))) throw new Error('run npm run build first');
  const o = parseArgs(process.argv.slice(2));
  const roots = ['fix', 'chown', 'tmpfiles'].map((n) => fs.mkdtempSync(path.join(os.tmpdir(), `mp-fixbench-${n}-`)));
  const zConf = path.join(os.tmpdir(), `mp-fixbench-${process.pid}.conf`);
  fs.writeFileSync(zConf, `Z ${SPOOL} - ecuser ecuser -\n`);
  try {
    let made = 0;
    for (const r of roots) made = buildBenchRoot(r, { entries: o.entries, uid: UID, gid: GID });
    const spools = roots.map((r) => path.join(r, SPOOL));
    const tools = [
      { name: 'momentum-perms fix --root', root: roots[0], go: () => must('fix', run(process.execPath, [cli, 'fix', '--root', roots[0], '--quiet'])) },
      { name: 'chown -R', root: roots[1], go: () => must('chown -R', run('chown', ['-R', `${UID}:${GID}`, spools[1]])) },
      { name: 'systemd-tmpfiles Z', root: roots[2], go: () => must('systemd-tmpfiles', run('systemd-tmpfiles', ['--create', `--root=${roots[2]}`, zConf])) },
    ];
    const walls = tools.map(() => []);
    for (let i = 0; i < o.runs; i++) {
      // Drift every entry (untimed), warm the cache the same way for all three, then time each tool.
      for (const sp of spools) must('drift', run('chown', ['-R', '0:0', sp]));
      for (const sp of spools) must('warm', run('find', [sp, '-printf', '']));
      // Rotate the order so that no tool always runs first.
      for (let k = 0; k < tools.length; k++) {
        const j = (k + i) % tools.length;
        const t = tools[j];
        const r = t.go();
        if (!allOwned(t.root, UID, GID)) throw new Error(`${t.name} left entries unfixed`);
        walls[j].push(r.wall);
      }
    }
    const base = median(walls[1]);
    console.log(`fix benchmark: ${made.toLocaleString('en-US')} drifted spool entries per tree (root:root → ecuser:ecuser), median of ${o.runs} run(s)`);
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.version}`);
    for (let j = 0; j < tools.length; j++) {
      const m = median(walls[j]);
      console.log(`  ${tools[j].name.padEnd(28)} ${s(m).padStart(8)}   ${(m / base).toFixed(2)}× chown -R   (runs: ${walls[j].map(s).join(', ')})`);
    }
    const ratio = median(walls[0]) / base;
    console.log(`momentum-perms fix / chown -R = ${ratio.toFixed(2)}× (target ≤ 3×): ${ratio <= 3 ? 'met' : 'NOT met'}`);
    if (o.keep) console.log(`kept: ${roots.join(' ')}`);
  } finally {
    fs.rmSync(zConf, { force: true });
    if (!o.keep) for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  }
}

main();
