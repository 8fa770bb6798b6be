// Builds the benchmark's fake root: a minimal Momentum configuration, its own passwd and group files, and a
// synthetic spool laid out the way Momentum lays it out (256 hashed directories, two files per message).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SPOOL = '/var/spool/ecelerity';

/**
 * The environment every benchmarked command runs in: this one without NODE_EXTRA_CA_CERTS and NODE_OPTIONS.
 * Where a shell sets the first (some build machines do), every node start reads that certificate file
 * before running anything: 0.04 s of the 0.06 s `node -e 0` took on the test machine. The tool makes no TLS
 * connection, and its callers (the systemd units, cron, the package scriptlets) set neither.
 */
export const ENV_NOTE = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].some((k) => k in process.env)
  ? 'commands run without NODE_EXTRA_CA_CERTS and NODE_OPTIONS (see bench/spool.mjs)'
  : '';
export const BENCH_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS' && k !== 'NODE_OPTIONS'));
const HASHED = 256;

function write(root, p, text, mode = 0o644) {
  const host = path.join(root, p);
  fs.mkdirSync(path.dirname(host), { recursive: true, mode: 0o755 });
  fs.writeFileSync(host, text, { mode });
  return host;
}

/**
 * Build the fake root in `root` with about `entries` spool entries (directories included), owned by
 * `uid`:`gid` (named ecuser in the root's passwd). `drift` files out of every 10,000 get mode 0644 so that
 * the text report has something to group. `flat`: one spool directory holding every file instead of 256
 * hashed ones (the shape that once made the audit's memory grow). Returns the exact number of spool entries made.
 */
export function buildBenchRoot(root, { entries, uid, gid, drift = 0, flat = false }) {
  const DIRS = flat ? 1 : HASHED;
  write(root, '/etc/passwd', `root:x:0:0:root:/root:/bin/bash\necuser:x:${uid}:${gid}:Momentum:/opt/msys/ecelerity:/sbin/nologin\n`);
  write(root, '/etc/group', `root:x:0:\necuser:x:${gid}:\n`);
  const conf = write(
    root,
    '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
    `Security {\n  user = "ecuser"\n  group = "ecuser"\n}\nspoolbase = "${SPOOL}"\n`,
    0o640,
  );
  const own = (p) => fs.chownSync(p, uid, gid);
  // etc/conf and everything below it belong to the service user (eccfg's working copies).
  own(path.dirname(path.dirname(conf)));
  own(path.dirname(conf));
  own(conf);

  const spool = path.join(root, SPOOL);
  fs.mkdirSync(path.dirname(spool), { recursive: true, mode: 0o755 });
  fs.mkdirSync(spool, { mode: 0o750 });
  own(spool);
  const files = Math.max(0, entries - 1 - DIRS);
  const messages = Math.ceil(files / 2);
  const chown = uid !== process.getuid() || gid !== process.getgid();
  let made = 1;
  const dirs = [];
  for (let i = 0; i < DIRS; i++) {
    const d = path.join(spool, i.toString(16).toUpperCase().padStart(2, '0'));
    fs.mkdirSync(d, { mode: 0o750 });
    if (chown) own(d);
    dirs.push(d);
    made++;
  }
  let n = 0;
  for (let m = 0; m < messages && n < files; m++) {
    const dir = dirs[m % DIRS];
    const id = m.toString(16).padStart(8, '0');
    for (const suffix of ['.M', '.H']) {
      if (n >= files) break;
      const mode = drift > 0 && n % 10000 < drift ? 0o644 : 0o640;
      const fd = fs.openSync(`${dir}/${id}-00000001${suffix}`, 'wx', mode);
      if (chown) fs.fchownSync(fd, uid, gid);
      fs.closeSync(fd);
      n++;
      made++;
    }
  }
  return made;
}

/**
 * The files of a tree buildBenchRoot(root, { entries }) made (hashed, not flat) that make "1% drifted": the .M
 * file of every message in one round of 256 in 50 (one message in each hashed directory per round), so that
 * every directory holds some, as in a spool that drifted here and there. 1.0% of the files at 100,000 entries
 * (1,024) and at a million (9,984). Host paths.
 */
export function onePercentFiles(root, entries) {
  const files = Math.max(0, entries - 1 - HASHED);
  const messages = Math.ceil(files / 2);
  const out = [];
  // Message m has files 2m (.M) and 2m + 1 (.H): the .M one exists whenever m does.
  for (let m = 0; m < messages; m++) {
    if (Math.floor(m / HASHED) % 50 !== 7) continue;
    const dir = (m % HASHED).toString(16).toUpperCase().padStart(2, '0');
    out.push(path.join(root, SPOOL, dir, `${m.toString(16).padStart(8, '0')}-00000001.M`));
  }
  return out;
}
