// Micro-benchmark of BoundRules.check(): ns per entry over a synthetic spool (256 hashed directories,
// two files per message), the shipped 4.x rules bound to a default configuration. Run after a build:
//   npm run build && node test/rules/check-bench.mjs [entries]
// Two measures per round: wall time inside the check() calls (an upper bound: collections of the entries'
// garbage that happen there are counted), and CPU time over a pass that only builds the entries.
import { bindRules, loadRules } from '../../dist/rules/index.js';
import { makeRoot, realFs } from '../../dist/io/fs.js';

const total = Number(process.argv[2] ?? 1_000_000);
const users = {
  describe: 'bench',
  userByName: (n) => (n === 'ecuser' ? { name: n, uid: 500, gid: 500 } : n === 'root' ? { name: n, uid: 0, gid: 0 } : undefined),
  userById: (id) => (id === 500 ? { name: 'ecuser', uid: 500, gid: 500 } : id === 0 ? { name: 'root', uid: 0, gid: 0 } : undefined),
  groupByName: (n) => (n === 'ecuser' ? { name: n, gid: 500 } : n === 'root' ? { name: n, gid: 0 } : undefined),
  groupById: (id) => (id === 500 ? { name: 'ecuser', gid: 500 } : id === 0 ? { name: 'root', gid: 0 } : undefined),
};
const config = {
  configFile: '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
  files: [],
  version: '4.x',
  security: {
    user: { name: 'ecuser', id: 500, source: 'default' },
    group: { name: 'ecuser', id: 500, source: 'default' },
    supplementalGroups: [],
    chroot: null,
    capabilities: null,
  },
  paths: [
    { option: 'spoolbase', path: '/var/spool/ecelerity', source: 'default', kind: 'spool' },
    { option: 'ec_logger.mainlog', path: '/var/log/ecelerity/mainlog.ec', source: 'default', kind: 'log' },
    { option: 'persist_io.persist_path', path: '/var/log/ecelerity/persist', source: 'default', kind: 'persist' },
    { option: 'opendkim.key', path: '/opt/msys/ecelerity/etc/conf/dkim/*/*.key', source: 'default', kind: 'private-key', pattern: true },
  ],
  warnings: [],
  settings: { spool_mode: { value: '0640', source: 'default' } },
};
const bound = bindRules(loadRules(realFs, makeRoot('/'), { version: '4.x', localRules: '/nonexistent' }), config, users);

const DIRS = 256;
const perDir = Math.ceil(total / DIRS);

/**
 * One pass over the synthetic spool, entries made one directory at a time as the walk makes them, each
 * handed to `visit`. Returns the wall time spent inside the visiting loops and the CPU time of the whole
 * pass, both in ns.
 */
function pass(visit) {
  const c0 = process.cpuUsage();
  let inside = 0n;
  let made = 0;
  for (let d = 0; d < DIRS && made < total; d++) {
    const dir = `/var/spool/ecelerity/${d.toString(16).toUpperCase().padStart(2, '0')}`;
    const entries = [];
    for (let i = 0; i < perDir && made + entries.length < total; i++) {
      const id = (d * perDir + i).toString(16).padStart(8, '0');
      const mode = (made + i) % 10000 === 0 ? 0o644 : 0o640;
      entries.push({ path: `${dir}/${id}-00000001.${i & 1 ? 'H' : 'M'}`, type: 'file', uid: 500, gid: 500, mode, dev: 1, ino: made + i + 1, nlink: 1 });
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < entries.length; i++) visit(entries[i], dir);
    inside += process.hrtime.bigint() - t0;
    made += entries.length;
  }
  const c = process.cpuUsage(c0);
  return { inside: Number(inside), cpu: (c.user + c.system) * 1000 };
}

let findings = 0;
let sink = 0;
const nothing = (e) => {
  sink += e.mode & 1;
};
const check = (e, dir) => {
  findings += bound.check(e, dir).findings.length;
};
const wall = [];
const cpu = [];
for (let round = 1; round <= 7; round++) {
  const base = pass(nothing);
  findings = 0;
  const r = pass(check);
  wall.push(r.inside / total);
  cpu.push((r.cpu - base.cpu) / total);
  console.log(`round ${round}: ${(r.inside / total).toFixed(0)} ns/entry inside check() calls; CPU time over a pass that only builds the entries: +${((r.cpu - base.cpu) / total).toFixed(0)} ns/entry (${findings} findings)`);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`median of ${wall.length} rounds over ${total} spool entries: ${median(wall).toFixed(0)} ns/entry inside check() (GC of the entries' own garbage included), +${median(cpu).toFixed(0)} ns/entry CPU`);
