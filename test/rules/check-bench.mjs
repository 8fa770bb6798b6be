// Micro-benchmark of BoundRules.check(): ns per entry over a synthetic spool (256 hashed directories,
// two files per message), the shipped 4.x rules bound to a default configuration. Run after a build:
//   npm run build && node test/rules/check-bench.mjs [entries]
// Only check() is timed, not building the entries (three rounds; the first includes warming up).
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
const NONE = Object.freeze([]);

/**
 * One pass over the synthetic spool: entries are made one directory at a time, as the walk makes them, and
 * only the calls to `visit` are timed. Returns ns per entry.
 */
function pass(visit) {
  let ns = 0n;
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
    ns += process.hrtime.bigint() - t0;
    made += entries.length;
  }
  return Number(ns) / made;
}

let findings = 0;
// The floor: what allocating a compliant verdict alone costs in this harness.
let sink = 0;
const alloc = (e, dir) => {
  const v = { entry: e, findings: NONE, target: null, rule: null, tree: dir, typeNamedByRule: false, setidAllowed: false };
  sink += v.findings.length;
};
const check = (e, dir) => {
  findings += bound.check(e, dir).findings.length;
};
for (let round = 1; round <= 3; round++) {
  const floor = pass(alloc);
  findings = 0;
  const per = pass(check);
  console.log(`round ${round}: check() ${per.toFixed(1)} ns/entry over ${total} spool entries (${findings} findings); allocating a verdict alone: ${floor.toFixed(1)} ns`);
}
