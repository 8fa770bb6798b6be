// The post-upgrade hook's time inside a package transaction, beside a full audit and `find` of the same
// install in the same run: a synthetic Momentum install with a large spool, a transaction list of the files a
// package would lay down, and `hook post-upgrade --files-from LIST` (scoped) against `audit` (every entry).
//
// node bench/hook-bench.mjs [--entries N] [--listed N]
// --entries N   spool entries (default 1,000,000)
// --listed N    files in the transaction's list (default 2,000: a Momentum package's size)
// Runs as root (the hook fixes).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, buildBenchRoot } from './spool.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'bin', 'momentum-perms.js');

function parseArgs(argv) {
  const o = { entries: 1_000_000, listed: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--entries') o.entries = Number(argv[++i]);
    else if (a === '--listed') o.listed = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.entries) || o.entries < 300) throw new Error('--entries must be a whole number ≥ 300');
  return o;
}

function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28, env: BENCH_ENV });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`.slice(0, 2000));
  return { wall, out: r.stdout };
}

function main() {
  if (process.getuid() !== 0) throw new Error('run as root: the hook fixes');
  const o = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-hookbench-'));
  try {
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    const made = buildBenchRoot(root, { entries: o.entries, uid: 500, gid: 500 });
    // The package's files: a bin directory of root-owned programs, as msys-ecelerity lays them down.
    const bin = path.join(root, 'opt/msys/ecelerity/bin');
    fs.mkdirSync(bin, { recursive: true, mode: 0o755 });
    const listed = [];
    for (let i = 0; i < o.listed; i++) {
      fs.writeFileSync(path.join(bin, `prog${i}`), '', { mode: 0o755 });
      listed.push(`/opt/msys/ecelerity/bin/prog${i}`);
    }
    const list = path.join(dir, 'files.txt');
    fs.writeFileSync(list, listed.join('\n') + '\n');
    spawnSync('find', [root, '-printf', '']); // warm the cache for every contender alike
    const common = ['--root', root, '--state-dir', '/state', '--log-file', '/hook.log', '--no-syslog'];
    const find = time('find', [root, '-printf', '%U %G %m %p\n']);
    const audit = time(process.execPath, [CLI, 'audit', '--root', root, '--quiet']);
    const hook = time(process.execPath, [CLI, 'hook', 'post-upgrade', ...common, '--files-from', list]);
    const hook2 = time(process.execPath, [CLI, 'hook', 'post-upgrade', ...common, '--files-from', list]);
    const best = Math.min(hook.wall, hook2.wall);
    console.log(`hook benchmark: ${made.toLocaleString('en-US')} spool entries, ${o.listed.toLocaleString('en-US')} listed package files, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
    console.log(`  find (every entry)            ${find.wall.toFixed(2)} s`);
    console.log(`  audit (every entry)           ${audit.wall.toFixed(2)} s`);
    console.log(`  hook post-upgrade (scoped)    ${best.toFixed(2)} s   (${(best / audit.wall).toFixed(3)}× the audit)`);
    console.log(`  target: under 1 s plus the transaction's own files: ${best < 1 ? 'ok' : 'MISSED'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
