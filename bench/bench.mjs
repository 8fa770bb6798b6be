#!/usr/bin/env node
// The audit benchmark: builds a synthetic Momentum spool under a temporary root and times
// `momentum-perms audit --root` against `find DIR -printf '%U %G %m %p\n'` on the same tree in the same run.
//
//   node bench/bench.mjs [--entries N] [--scale] [--flat] [--format ndjson|text] [--runs R] [--drift D] [--keep]
//
// --entries N   spool entries (default 1,000,000; directories included)
// --scale       also build a 100,000-entry spool and compare the audit's peak RSS at both sizes
// --format F    report format(s) of the audit runs, comma-separated (default ndjson; output to /dev/null)
// --runs R      timed runs of each command after one warm-up run (default 3; the median wall time is shown)
// --drift D     D files in every 10,000 get mode 0644, so the audit has findings to report (default 0)
// --flat        one spool directory holding every file, instead of 256 hashed directories
// --keep        leave the temporary roots behind
// --reuse DIR   measure a root left by --keep instead of building one (--scale does not apply; give the
//               --drift it was built with, which then only sets the targets)
// --js          also time the audit on the pure-JS path (MOMENTUM_PERMS_NATIVE=0), for comparison
//
// Targets (each printed with ok or MISSED): audit wall ≤ 1.0× find's, CPU ≤ 1.2× find's, peak RSS ≤ 100 MB,
// and with --scale, RSS at the larger size ≤ 1.2× RSS at 100,000 entries. With --drift, the same within 10%
// (wall ≤ 1.10×, CPU ≤ 1.32×): the audit then also reports each drifted entry.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, buildBenchRoot, ENV_NOTE, SPOOL } from './spool.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin', 'momentum-perms.js');

function parseArgs(argv) {
  const o = { entries: 1_000_000, scale: false, flat: false, formats: ['ndjson'], runs: 3, drift: 0, keep: false, reuse: null, js: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--entries') o.entries = Number(next().replace(/[_,]/g, ''));
    else if (a === '--scale') o.scale = true;
    else if (a === '--flat') o.flat = true;
    else if (a === '--format') o.formats = next().split(',');
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--drift') o.drift = Number(next());
    else if (a === '--keep') o.keep = true;
    else if (a === '--reuse') o.reuse = path.resolve(next());
    else if (a === '--js') o.js = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.entries) || o.entries < 300) throw new Error('--entries must be a whole number ≥ 300');
  return o;
}

// Peak RSS comes from GNU time (`/usr/bin/time -f %M`, Debian package "time"); without it, from the
// rusage of the children as Python reports it. Wall time is measured here around the whole child.
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function measure(cmd, args, env = BENCH_ENV) {
  const rssFile = path.join(os.tmpdir(), `mp-bench-rss-${process.pid}`);
  let argv;
  if (GNU_TIME) argv = [GNU_TIME, '-f', '%U %S %M', '-o', rssFile, cmd, ...args];
  else argv = ['python3', '-c', 'import resource,subprocess,sys\nr=subprocess.run(sys.argv[2:],stdout=subprocess.DEVNULL).returncode\nu=resource.getrusage(resource.RUSAGE_CHILDREN)\nopen(sys.argv[1],"w").write("%f %f %d" % (u.ru_utime, u.ru_stime, u.ru_maxrss))\nsys.exit(r)', rssFile, cmd, ...args];
  const devnull = fs.openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', env });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(devnull);
  let [user, sys, rssKb] = [NaN, NaN, NaN];
  try {
    [user, sys, rssKb] = fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    fs.rmSync(rssFile);
  } catch {}
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, status: r.status, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (x) => `${x.toFixed(1)} MB`;
const s = (x) => `${x.toFixed(2)} s`;

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let fsType = '?';
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const tmp = fs.realpathSync(os.tmpdir());
    const best = mounts.filter((m) => m[1] && (tmp === m[1] || tmp.startsWith(m[1] === '/' ? '/' : m[1] + '/'))).sort((a, b) => b[1].length - a[1].length)[0];
    fsType = best?.[2] ?? '?';
  } catch {}
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}, ${fsType} at ${os.tmpdir()}`;
}

function build(entries, drift, flat) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-'));
  const uid = process.getuid() === 0 ? 500 : process.getuid();
  const gid = process.getgid() === 0 ? 500 : process.getgid();
  const t0 = Date.now();
  process.umask(0o022);
  const made = buildBenchRoot(root, { entries, uid, gid, drift, flat });
  return { root, made, buildS: (Date.now() - t0) / 1000 };
}

/** Warm the cache once, then alternate find and the audit (in each format) `runs` times. */
function compare(root, o) {
  const findArgs = [path.join(root, SPOOL), '-printf', '%U %G %m %p\n'];
  const run = (which) => {
    if (which === 'find') {
      const r = measure('find', findArgs);
      if (r.status !== 0) throw new Error(`find exited ${r.status}:\n${r.stderr}`);
      return r;
    }
    const js = which.endsWith('/js');
    const format = js ? which.slice(0, -3) : which;
    const env = js ? { ...BENCH_ENV, MOMENTUM_PERMS_NATIVE: '0' } : BENCH_ENV;
    const r = measure(process.execPath, [cli, 'audit', '--root', root, '--format', format, '--quiet'], env);
    if (r.status !== 0 && r.status !== 1) throw new Error(`audit exited ${r.status}:\n${r.stderr}`);
    return r;
  };
  const kinds = ['find', ...o.formats, ...(o.js ? o.formats.map((f) => `${f}/js`) : [])];
  for (const k of kinds) run(k);
  const got = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let i = 0; i < o.runs; i++) for (const k of kinds) got[k].push(run(k));
  return Object.fromEntries(
    kinds.map((k) => [k, { wall: median(got[k].map((x) => x.wall)), cpu: median(got[k].map((x) => x.cpu)), rss: Math.max(...got[k].map((x) => x.rssMb)), status: got[k][0].status }]),
  );
}

function report(made, buildS, r, formats, flat, drift) {
  console.log(`\n${made.toLocaleString('en-US')} spool entries (${flat ? 'one flat directory' : '256 hashed directories'}, two files per message), ${buildS === null ? 'reused' : `built in ${buildS.toFixed(1)} s`}`);
  console.log(`  ${'command'.padEnd(52)}${'wall (median)'.padEnd(16)}${'CPU (median)'.padEnd(16)}peak RSS`);
  const row = (label, x) => console.log(`  ${label.padEnd(52)}${s(x.wall).padEnd(16)}${s(x.cpu).padEnd(16)}${mb(x.rss)}`);
  row("find DIR -printf '%U %G %m %p\\n'", r.find);
  for (const f of formats) row(`momentum-perms audit --format ${f} (exit ${r[f].status})`, r[f]);
  for (const f of formats) if (r[`${f}/js`]) row(`  the same, pure-JS path (MOMENTUM_PERMS_NATIVE=0)`, r[`${f}/js`]);
  const ok = (good) => (good ? 'ok' : 'MISSED');
  // The ratio targets are set for a million entries: on a smaller tree Node's start (about 0.15 s) weighs more.
  const judged = made >= 1_000_000;
  const target = (text, good) => (judged ? `(target ${text}) ${ok(good)}` : '(targets are for 1,000,000 entries)');
  // With drifted entries to report, the same targets within 10%.
  const slack = drift > 0 ? 1.1 : 1;
  for (const f of formats) {
    const a = r[f];
    const ratio = a.wall / r.find.wall;
    const cpu = a.cpu / r.find.cpu;
    console.log(
      `  ${f}: wall ratio audit/find ${ratio.toFixed(2)} ${target(`≤ ${slack.toFixed(2)}`, ratio <= slack)}, CPU ratio ${cpu.toFixed(2)} ${target(`≤ ${(1.2 * slack).toFixed(2)}`, cpu <= 1.2 * slack)}; ` +
        `peak RSS ${mb(a.rss)} (target ≤ 100 MB) ${ok(a.rss <= 100)}`,
    );
  }
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(here, '..', 'dist', 'bundle', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  console.log(`machine: ${machine()}`);
  if (ENV_NOTE) console.log(ENV_NOTE);
  console.log(`peak RSS from ${GNU_TIME ? '/usr/bin/time -f %M' : "Python's getrusage(RUSAGE_CHILDREN)"}; ${o.runs} timed runs of each after a warm-up run; audit --quiet, output to /dev/null${o.drift ? `; ${o.drift} in 10,000 files drifted` : ''}`);
  if (o.reuse !== null) {
    const made = Number(spawnSync('find', [path.join(o.reuse, SPOOL)], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout.split('\n').length - 1);
    report(made, null, compare(o.reuse, o), o.formats, o.flat, o.drift);
    return;
  }
  const sizes = o.scale ? [100_000, o.entries] : [o.entries];
  const results = [];
  const roots = [];
  try {
    for (const n of sizes) {
      const b = build(n, o.drift, o.flat);
      roots.push(b.root);
      const r = compare(b.root, o);
      report(b.made, b.buildS, r, o.formats, o.flat, o.drift);
      results.push({ n, r });
      if (!o.keep) fs.rmSync(b.root, { recursive: true, force: true });
    }
    if (o.scale) {
      const [small, large] = results;
      for (const f of o.formats) {
        const growth = large.r[f].rss / small.r[f].rss;
        console.log(
          `\n${f}: audit peak RSS ${mb(small.r[f].rss)} at ${small.n.toLocaleString('en-US')} → ${mb(large.r[f].rss)} at ${large.n.toLocaleString('en-US')}: ×${growth.toFixed(2)} (target ≤ 1.20) ${growth <= 1.2 ? 'ok' : 'MISSED'}`,
        );
      }
    }
  } finally {
    if (o.keep) console.log(`\nkept: ${roots.join(' ')}`);
    else for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
