#!/usr/bin/env node
// The package layer's benchmark (as root; needs rpmbuild and rpm): builds one Momentum-like package with
// tens of thousands of files, installs it into a temporary root with rpm --root … --dbpath /var/lib/rpm,
// and times `momentum-perms audit` with and without the layer (--no-packages) on the same root, and the
// rpm query alone.
//
//   node bench/package-bench.mjs [--files N] [--runs R] [--keep]
//
// --files N   package files (default 30,000): bin and sbin, lib and 3rdParty trees, %config files
// --runs R    timed runs of each command after one warm-up run (default 5; medians are shown)
// --keep      leave the temporary root behind
// --reuse DIR measure a root left by --keep instead of building one
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'bin', 'momentum-perms.js');
const QF = (await import(path.join(here, '..', 'dist', 'package', 'query.js'))).QUERY_FORMAT;

const o = { files: 30_000, runs: 5, keep: false, reuse: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--files') o.files = Number(String(argv[++i]).replace(/[_,]/g, ''));
  else if (argv[i] === '--runs') o.runs = Number(argv[++i]);
  else if (argv[i] === '--keep') o.keep = true;
  else if (argv[i] === '--reuse') o.reuse = path.resolve(argv[++i]);
  else throw new Error(`unknown option ${argv[i]}`);
}
if (process.getuid?.() !== 0) throw new Error('run as root: rpm installs files owned by ecuser');

let root = o.reuse;
if (root === null) root = build();

function build() {
const conf = Math.min(200, Math.floor(o.files / 100));
const bins = Math.min(200, Math.floor(o.files / 100));
const libs = Math.floor((o.files - conf - bins) * 0.6);
const third = o.files - conf - bins - libs;
const top = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-pkgbench-build-'));
const spec = `Name: msys-ecelerity
Version: 4.2.38
Release: 1
Summary: benchmark
License: Apache-2.0
BuildArch: noarch
AutoReqProv: no
%description
benchmark
%install
d=%{buildroot}/opt/msys/ecelerity
mkdir -p $d/bin $d/etc/conf/default %{buildroot}/opt/msys/3rdParty
for i in $(seq 1 ${bins}); do : > $d/bin/tool$i; done
for i in $(seq 1 ${conf}); do : > $d/etc/conf/default/c$i.conf; done
i=0; while [ $i -lt ${libs} ]; do m=$d/lib64/mod$((i / 100)); mkdir -p $m; : > $m/f$i.so; i=$((i + 1)); done
i=0; while [ $i -lt ${third} ]; do m=%{buildroot}/opt/msys/3rdParty/perl/p$((i / 100)); mkdir -p $m; : > $m/f$i.pm; i=$((i + 1)); done
printf 'Security {\\n  user = "ecuser"\\n  group = "ecuser"\\n}\\n' > $d/etc/conf/default/ecelerity.conf
%files
%defattr(0644,root,root,0755)
%attr(0755,root,root) /opt/msys/ecelerity/bin
/opt/msys/ecelerity/lib64
/opt/msys/3rdParty
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf/default
%config(noreplace) %attr(0640,ecuser,ecuser) /opt/msys/ecelerity/etc/conf/default/*.conf
`;
fs.writeFileSync(path.join(top, 'b.spec'), spec);
let t = performance.now();
// No payload compression, no post-install processing, no dependency scan: only the records matter here.
const quick = ['_binary_payload w0.ufdio', '_build_id_links none', '__os_install_post %{nil}', '__spec_install_post %{nil}'];
execFileSync('rpmbuild', ['--define', `_topdir ${top}`, ...quick.flatMap((d) => ['--define', d]), '-bb', path.join(top, 'b.spec')], { stdio: 'ignore' });
const rpmFile = path.join(top, 'RPMS', 'noarch', 'msys-ecelerity-4.2.38-1.noarch.rpm');
console.log(`built a package of ${o.files} files in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-pkgbench-'));
fs.chmodSync(root, 0o755);
fs.mkdirSync(path.join(root, 'etc'));
fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/opt/msys:/bin/false\n');
fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\necuser:x:500:\n');
const rpm = (...a) => execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...a], { stdio: ['ignore', 'pipe', 'ignore'] });
rpm('--initdb');
t = performance.now();
rpm('-i', '--nodeps', '--noscripts', rpmFile);
console.log(`installed with rpm --root in ${((performance.now() - t) / 1000).toFixed(1)} s`);
fs.rmSync(top, { recursive: true, force: true });
return root;
}

// Wall time, and CPU time (user + system, the command and its children: node and rpm) from bash's `times`,
// which a busy machine inflates far less than wall time.
function timed(cmd, args) {
  const q = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
  const t0 = performance.now();
  const p = spawnSync('bash', ['-c', `${[cmd, ...args].map(q).join(' ')} >/dev/null; s=$?; times; exit $s`], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (p.status !== 0 && p.status !== 1) throw new Error(`${cmd} ${args.join(' ')}: status ${p.status}: ${p.stderr}`);
  const kids = p.stdout.trim().split('\n')[1] ?? '';
  const cpu = [...kids.matchAll(/(\d+)m([\d.]+)s/g)].reduce((a, m) => a + Number(m[1]) * 60 + Number(m[2]), 0) * 1000;
  return { ms, cpu };
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const cases = [
  ['rpm -qa --qf (the layer\'s one query)', 'rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', QF]],
  ['audit --no-packages', process.execPath, [cli, 'audit', '--root', root, '--format', 'ndjson', '--no-packages']],
  ['audit (with the package layer)', process.execPath, [cli, 'audit', '--root', root, '--format', 'ndjson']],
  ['verify', process.execPath, [cli, 'verify', '--root', root, '--json']],
];
const results = [];
const s = (x) => (x / 1000).toFixed(3);
for (const [name, cmd, args] of cases) {
  timed(cmd, args);
  const runs = [];
  for (let i = 0; i < o.runs; i++) runs.push(timed(cmd, args));
  const wall = median(runs.map((r) => r.ms));
  const cpu = median(runs.map((r) => r.cpu));
  results.push({ wall, cpu });
  console.log(`${name.padEnd(40)} median wall ${s(wall)} s, cpu ${s(cpu)} s  (wall: ${runs.map((r) => s(r.ms)).join(', ')})`);
}
console.log(
  `the package layer adds ${s(results[2].wall - results[1].wall)} s wall, ${s(results[2].cpu - results[1].cpu)} s cpu to the audit of ${o.files} package files (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`,
);
if (o.keep || o.reuse !== null) console.log(`root kept: ${root}`);
else fs.rmSync(root, { recursive: true, force: true });
