#!/usr/bin/env node
// The fix benchmark: three identical synthetic Momentum spools whose every entry drifted to root:root, put
// right in the same run by
//   1. momentum-perms fix --root      (fd-based, no-follow, journaled, fsynced: the safe way)
//   2. chown -R ecuser:ecuser         (path-based, follows nothing but checks nothing: the unsafe baseline)
//   3. systemd-tmpfiles --create --root with a `Z` line (fd-based, safe, no journal)
// and prints the median wall and CPU time and peak RSS of each, with the audit alone on the same drifted tree
// for reference (every fix runs it). Then, on the same tree with 1% of its files drifted (mode 0644), the
// fix against the audit. Targets (printed with ok or MISSED): fix wall ≤ systemd-tmpfiles Z's; with 1%
// drifted, fix ≤ 1.1× the audit; with --scale, the fix's peak RSS flat (≤ 1.2× from 100,000 entries to N).
//
//   node bench/fix-bench.mjs [--entries N] [--runs R] [--scale] [--keep]
//
// --entries N   spool entries per tree, directories included (default 100,000)
// --runs R      timed runs of each tool (default 3; the trees are drifted again before each run); the 1%
//               comparison runs R rounds, 7 at least
// --scale       also fix a spool of 100,000 entries, every one drifted, R times, and compare the fix's
//               highest peak RSS there with the one at N entries
// --keep        leave the temporary roots behind
// Each drift's writeback is done (`sync`, untimed) before anything is timed: see settle().
// Must run as root (it chowns). Needs `npm run build` first (bench.mjs's `npm run bench` does it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, buildBenchRoot, ENV_NOTE, onePercentFiles, SPOOL } from './spool.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin', 'momentum-perms.js');
const UID = 500;
const GID = 500;

function parseArgs(argv) {
  const o = { entries: 100_000, runs: 3, keep: false, scale: false };
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
    else if (a === '--scale') o.scale = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.entries) || o.entries < 300) throw new Error('--entries must be a whole number ≥ 300');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be ≥ 1');
  return o;
}

// CPU time (user + system) comes from GNU time when it is installed (Debian package "time"): on a busy
// machine it says more than the wall time, which other processes stretch.
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function run(cmd, args) {
  const cpuFile = path.join(os.tmpdir(), `mp-fixbench-cpu-${process.pid}`);
  const argv = GNU_TIME ? [GNU_TIME, '-f', '%U %S %M', '-o', cpuFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28, env: BENCH_ENV });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpu = NaN;
  let rss = NaN;
  try {
    const [u, sy, kb] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpu = u + sy;
    rss = kb / 1024;
    fs.rmSync(cpuFile);
  } catch {}
  return { wall, cpu, rss, status: r.status, out: r.stdout, err: r.stderr };
}

/**
 * The drift's writeback done before anything is timed (`sync`, untimed). Left pending, the inodes the drift
 * dirtied (a million a tree) are written while the tools run, and the first tool to sync a file (the fix, its
 * journal) waits for the file system's journal to commit all of them: the drift's cost, charged to the fix
 * alone. On a spool that drifted long ago that is so; a fix run straight after a package transaction (the
 * hook) does pay for the transaction's pending writes, and the 1% comparison without this is noisier and a few
 * per cent worse for the fix (docs/performance.md).
 */
function settle() {
  const r = spawnSync('sync');
  if (r.status !== 0) throw new Error(`sync exited ${r.status}`);
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
  if (!fs.existsSync(path.join(here, '..', 'dist', 'bundle', 'cli.js'))) throw new Error('run npm run build first');
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
    const cpus = tools.map(() => []);
    const rsss = tools.map(() => []);
    // For reference: the audit alone on the drifted tree (the fix runs it too, and changes nothing here).
    const audits = [];
    for (let i = 0; i < o.runs; i++) {
      // Drift every entry (untimed), warm the cache the same way for all three, then time each tool.
      for (const sp of spools) must('drift', run('chown', ['-R', '0:0', sp]));
      for (const sp of spools) must('warm', run('find', [sp, '-printf', '']));
      settle();
      audits.push(must('audit', run(process.execPath, [cli, 'audit', '--root', roots[0], '--format', 'text', '--quiet']), [1]));
      // Rotate the order so that no tool always runs first.
      for (let k = 0; k < tools.length; k++) {
        const j = (k + i) % tools.length;
        const t = tools[j];
        // The tool before left a million changed inodes to write: done before this one is timed.
        settle();
        const r = t.go();
        if (!allOwned(t.root, UID, GID)) throw new Error(`${t.name} left entries unfixed`);
        walls[j].push(r.wall);
        cpus[j].push(r.cpu);
        rsss[j].push(r.rss);
      }
    }
    const base = median(walls[1]);
    const baseCpu = median(cpus[1]);
    const load = os.loadavg()[0].toFixed(1);
    console.log(`fix benchmark: ${made.toLocaleString('en-US')} drifted spool entries per tree (root:root → ecuser:ecuser), median of ${o.runs} run(s)`);
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.version}, load average ${load}`);
    if (ENV_NOTE) console.log(ENV_NOTE);
    console.log(`  ${'tool'.padEnd(28)} ${'wall'.padStart(8)}  ${'× chown -R'.padStart(10)}  ${'cpu'.padStart(8)}  ${'× chown -R'.padStart(10)}  ${'peak RSS'.padStart(9)}   wall of each run`);
    for (let j = 0; j < tools.length; j++) {
      const m = median(walls[j]);
      const c = median(cpus[j]);
      const rss = `${Math.max(...rsss[j]).toFixed(1)} MB`;
      console.log(`  ${tools[j].name.padEnd(28)} ${s(m).padStart(8)}  ${(m / base).toFixed(2).padStart(9)}×  ${s(c).padStart(8)}  ${(c / baseCpu).toFixed(2).padStart(9)}×  ${rss.padStart(9)}   ${walls[j].map(s).join(', ')}`);
    }
    const aw = median(audits.map((a) => a.wall));
    const ac = median(audits.map((a) => a.cpu));
    console.log(`  ${'(momentum-perms audit alone)'.padEnd(28)} ${s(aw).padStart(8)}  ${(aw / base).toFixed(2).padStart(9)}×  ${s(ac).padStart(8)}  ${(ac / baseCpu).toFixed(2).padStart(9)}×`);
    const ok = (good) => (good ? 'ok' : 'MISSED');
    const vsTmpfiles = median(walls[0]) / median(walls[2]);
    console.log(`momentum-perms fix / systemd-tmpfiles Z = ${vsTmpfiles.toFixed(2)}× wall (target ≤ 1.00) ${ok(vsTmpfiles <= 1)}; / chown -R = ${(median(walls[0]) / base).toFixed(2)}×`);
    // 1% drifted: one file in a hundred gets mode 0644, in every hashed directory; the fix is then mostly the audit.
    const drift = onePercentFiles(roots[0], o.entries);
    for (const f of drift) fs.statSync(f); // the layout is the builder's: a missing file stops here
    const few = [];
    const fewAudit = [];
    // Seven rounds at least: each takes seconds, and a difference of a tenth is within three runs' noise.
    const fewRuns = Math.max(o.runs, 7);
    for (let i = 0; i < fewRuns; i++) {
      for (const f of drift) fs.chmodSync(f, 0o644);
      settle();
      fewAudit.push(must('audit', run(process.execPath, [cli, 'audit', '--root', roots[0], '--format', 'text', '--quiet']), [1]));
      few.push(must('fix 1%', run(process.execPath, [cli, 'fix', '--root', roots[0], '--quiet'])));
      if (!allOwned(roots[0], UID, GID)) throw new Error('fix left entries unfixed');
    }
    const drifted = drift.length;
    const files = made - 1 - 256;
    const fw = median(few.map((r) => r.wall));
    const aw1 = median(fewAudit.map((r) => r.wall));
    for (let i = 0; i < fewRuns; i++) console.log(`  round ${i + 1}: audit ${s(fewAudit[i].wall)}, fix ${s(few[i].wall)}, ${(few[i].wall / fewAudit[i].wall).toFixed(2)}×`);
    const pairs = few.map((r, i) => r.wall / fewAudit[i].wall).sort((a, b) => a - b);
    console.log(`1% drifted (${drifted.toLocaleString('en-US')} files, ${((100 * drifted) / files).toFixed(2)}% of the files), median of ${fewRuns} rounds: fix ${s(fw)}, audit ${s(aw1)}: fix / audit = ${(fw / aw1).toFixed(2)}× (target ≤ 1.10) ${ok(fw / aw1 <= 1.1)}; each round's ratio ${pairs[0].toFixed(2)}–${pairs[pairs.length - 1].toFixed(2)}`);
    if (o.scale) {
      // The fix's memory at 100,000 entries, on a tree of its own, against its highest at N above.
      const small = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-fixbench-scale-'));
      roots.push(small);
      const smallMade = buildBenchRoot(small, { entries: 100_000, uid: UID, gid: GID });
      const peaks = [];
      for (let i = 0; i < o.runs; i++) {
        must('drift', run('chown', ['-R', '0:0', path.join(small, SPOOL)]));
        settle();
        peaks.push(must('fix', run(process.execPath, [cli, 'fix', '--root', small, '--quiet'])).rss);
        if (!allOwned(small, UID, GID)) throw new Error('fix left entries unfixed');
      }
      const lo = Math.max(...peaks);
      const hi = Math.max(...rsss[0]);
      console.log(`fix peak RSS: ${lo.toFixed(1)} MB at ${smallMade.toLocaleString('en-US')} entries, ${hi.toFixed(1)} MB at ${made.toLocaleString('en-US')}: ×${(hi / lo).toFixed(2)} (target ≤ 1.20) ${ok(hi / lo <= 1.2)}`);
    }
    if (o.keep) console.log(`kept: ${roots.join(' ')}`);
  } finally {
    fs.rmSync(zConf, { force: true });
    if (!o.keep) for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  console.error(`fix-bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
