/**
 * A fake Momentum root on the real disk, built as root with real ownership for several uids: one entry per
 * kind of finding, and beside each a look-alike that complies. `expected` lists the findings (check + path)
 * an audit must report, no more and no less.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONF_PATH, fakeRoot, type FakeRoot } from './fixture.js';

export const ROOT = 0;
export const EC = 500; // ecuser / ecuser
export const MON = 600; // monitor / monitor: a real account that is not the service user
export const GHOST = 777; // no passwd or group entry

const PASSWD = `root:x:0:0:root:/root:/bin/sh
ecuser:x:${EC}:${EC}:Momentum:/opt/msys/ecelerity:/sbin/nologin
monitor:x:${MON}:${MON}::/:/sbin/nologin
`;
const GROUP = `root:x:0:
adm:x:4:
ecuser:x:${EC}:
monitor:x:${MON}:
`;
export const CONF = `Security {
  user = "ecuser"
  group = "ecuser"
}
spoolbase = "/var/spool/ecelerity"
ec_logger "ec_logger" {
  mainlog = "/var/log/ecelerity/mainlog.ec"
  paniclog = "/srv/elsewhere/paniclog.ec"
}
`;
const LOCAL_RULES = `# the administrator's own rules
/opt/msys/ecelerity/etc/license  required  reason="the license must be installed"
/opt/msys/ecelerity/etc/environment  required  reason="ec_ctl reads it"
`;

export interface E2eRoot extends FakeRoot {
  /** `check path`, sorted: what the audit must report. */
  expected: string[];
  /** The Momentum path of the entry that cannot be examined (too long a path). */
  tooLong: string;
}

/** Build the compliant skeleton: the service user's trees as the rules want them. */
function skeleton(r: FakeRoot): void {
  r.dir_('/opt/msys/ecelerity', ROOT, ROOT, 0o755);
  r.dir_('/opt/msys/ecelerity/etc', ROOT, ROOT, 0o755);
  r.dir_('/opt/msys/ecelerity/etc/conf', EC, EC, 0o755);
  r.dir_('/opt/msys/ecelerity/etc/conf/default', EC, EC, 0o755);
  r.file(CONF_PATH, EC, EC, 0o640, CONF);
  r.file('/etc/momentum-perms/local.rules', ROOT, ROOT, 0o644, LOCAL_RULES);
  r.dir_('/opt/msys/ecelerity/bin', ROOT, ROOT, 0o755);
  r.dir_('/opt/msys/ecelerity/sbin', ROOT, ROOT, 0o755);
  r.dir_('/opt/msys/etc', ROOT, ROOT, 0o755);
  r.dir_('/opt/msys/etc/installer', ROOT, ROOT, 0o755);
  r.dir_('/var/spool/ecelerity', EC, EC, 0o750);
  r.dir_('/var/log/ecelerity', EC, EC, 0o750);
}

/** Build the e2e root. Only as root: it chowns to several uids. */
export function e2eRoot(): E2eRoot {
  const r = fakeRoot(PASSWD, GROUP, CONF);
  skeleton(r);
  const expected: string[] = [];
  const drift = (check: string, p: string): void => void expected.push(`${check} ${p}`);

  // owner: a Lua script of the working copy owned by another real account; its twin is ecuser's.
  r.file('/opt/msys/ecelerity/etc/conf/default/policy.lua', MON, EC, 0o644);
  drift('owner', '/opt/msys/ecelerity/etc/conf/default/policy.lua');
  r.file('/opt/msys/ecelerity/etc/conf/default/policy2.lua', EC, EC, 0o644);

  // group: a log in monitor's group; its twin in ecuser's.
  r.file('/var/log/ecelerity/acctlog.ec', EC, MON, 0o640);
  drift('group', '/var/log/ecelerity/acctlog.ec');
  r.file('/var/log/ecelerity/mainlog.ec', EC, EC, 0o640);

  // mode: a spool file above spool_mode; twins at and below it; a DKIM key readable by all, and a private one.
  r.dir_('/var/spool/ecelerity/A', EC, EC, 0o750);
  r.file('/var/spool/ecelerity/A/1.M', EC, EC, 0o644);
  drift('mode', '/var/spool/ecelerity/A/1.M');
  r.file('/var/spool/ecelerity/A/2.M', EC, EC, 0o640);
  r.file('/var/spool/ecelerity/A/3.H', EC, EC, 0o600);
  r.file('/var/spool/ecelerity/A/.hidden', EC, EC, 0o644);
  drift('mode', '/var/spool/ecelerity/A/.hidden');
  r.dir_('/opt/msys/ecelerity/etc/conf/dkim/example.com', EC, EC, 0o750);
  r.dir_('/opt/msys/ecelerity/etc/conf/dkim', EC, EC, 0o750);
  r.file('/opt/msys/ecelerity/etc/conf/dkim/example.com/s1.key', EC, EC, 0o644);
  drift('mode', '/opt/msys/ecelerity/etc/conf/dkim/example.com/s1.key');
  r.file('/opt/msys/ecelerity/etc/conf/dkim/example.com/s2.key', EC, EC, 0o400);
  // mode on what root runs: group-writable binary; its twin is 0755.
  r.file('/opt/msys/ecelerity/bin/ec_rotate', ROOT, ROOT, 0o775);
  drift('mode', '/opt/msys/ecelerity/bin/ec_rotate');
  r.file('/opt/msys/ecelerity/bin/ec_console', ROOT, ROOT, 0o755);

  // type: credentials.key is a directory; credentials.db is the file it should be.
  r.dir_('/opt/msys/etc/credentials.key', ROOT, EC, 0o750);
  drift('type', '/opt/msys/etc/credentials.key');
  r.file('/opt/msys/etc/credentials.db', ROOT, EC, 0o640);

  // missing: the license a local rule requires; the environment file it also requires is there.
  drift('missing', '/opt/msys/ecelerity/etc/license');
  r.file('/opt/msys/ecelerity/etc/environment', ROOT, ROOT, 0o644);

  // orphan: a file where no rule names an owner, owned by an id with no passwd/group entry (uid and gid:
  // two findings); the twin belongs to a real account that is not the service user.
  r.dir_('/opt/msys/ecelerity/docs', ROOT, ROOT, 0o755);
  r.file('/opt/msys/ecelerity/docs/README', GHOST, GHOST, 0o644);
  drift('orphan', '/opt/msys/ecelerity/docs/README');
  drift('orphan', '/opt/msys/ecelerity/docs/README');
  r.file('/opt/msys/ecelerity/docs/NOTES', MON, MON, 0o644);
  r.file('/opt/msys/etc/installer/lastinstall', ROOT, ROOT, 0o644);

  // setid: a setuid root binary no rule allows; its twin has no setid bit.
  r.file('/opt/msys/ecelerity/sbin/ecelerity', ROOT, ROOT, 0o4755);
  drift('setid', '/opt/msys/ecelerity/sbin/ecelerity');
  r.file('/opt/msys/ecelerity/sbin/run.ecelerity', ROOT, ROOT, 0o755);

  // world-writable: where no mode rule forbids it, the check that applies everywhere does; a sticky
  // world-writable directory is fine.
  r.file('/opt/msys/etc/installer/notes', ROOT, ROOT, 0o666);
  drift('world-writable', '/opt/msys/etc/installer/notes');
  r.dir_('/opt/msys/etc/installer/scratch', ROOT, ROOT, 0o1777);

  // Special entries that comply: a link and a FIFO in the spool, owned by ecuser.
  fs.symlinkSync('/etc/shadow', r.host('/var/spool/ecelerity/A/link'));
  fs.lchownSync(r.host('/var/spool/ecelerity/A/link'), EC, EC);
  execFileSync('mkfifo', ['-m', '0640', r.host('/var/spool/ecelerity/A/fifo')]);
  fs.chownSync(r.host('/var/spool/ecelerity/A/fifo'), EC, EC);

  // outside-tree: paniclog points outside every tree (it complies otherwise); mainlog is inside.
  r.file('/srv/elsewhere/paniclog.ec', EC, EC, 0o640);
  drift('outside-tree', '/srv/elsewhere/paniclog.ec');

  // error: a directory chain deeper than PATH_MAX below the spool. Root reads everything, so this is how
  // a path that cannot be examined is made for real.
  const tooLong = deepChain(r, '/var/spool/ecelerity/deep');
  drift('error', tooLong);

  return { ...r, expected: expected.sort(), tooLong, cleanup: () => execFileSync('rm', ['-rf', r.dir]) };
}

/** A chain of directories whose host path passes 4096 bytes; returns the Momentum path lstat refuses. */
function deepChain(r: FakeRoot, top: string): string {
  r.dir_(top, EC, EC, 0o750);
  const name = 'd'.repeat(200);
  const levels = Math.ceil((4200 - r.host(top).length) / (name.length + 1));
  // One level at a time, relative to the previous one: no single call sees the whole path.
  execFileSync('bash', ['-c', `cd "$1" && for i in $(seq ${levels}); do mkdir -m 0750 ${name} && chown ${EC}:${EC} ${name} && cd ${name}; done`, 'x', r.host(top)]);
  let p = top;
  while (r.host(p).length <= 4095) p += `/${name}`;
  return p;
}

/** The findings of a run as sorted `check path` lines. */
export const pairs = (fs_: { check: string; path: string }[]): string[] => fs_.map((f) => `${f.check} ${f.path}`).sort();

export const hostOf = (r: FakeRoot, p: string): string => path.join(r.dir, p);

/** A root where everything complies (the same skeleton, with the files the local rules require). */
export function compliantRoot(): FakeRoot {
  const r = fakeRoot(PASSWD, GROUP, CONF);
  skeleton(r);
  r.file('/opt/msys/ecelerity/etc/license', EC, EC, 0o640, 'license\n');
  r.file('/opt/msys/ecelerity/etc/environment', ROOT, ROOT, 0o644);
  r.file('/var/log/ecelerity/mainlog.ec', EC, EC, 0o640);
  r.dir_('/var/spool/ecelerity/A', EC, EC, 0o750);
  r.file('/var/spool/ecelerity/A/1.M', EC, EC, 0o640);
  r.file('/srv/elsewhere/paniclog.ec', EC, EC, 0o640);
  // paniclog stays outside every tree: a configuration that names it is reported whatever its state.
  fs.writeFileSync(r.host(CONF_PATH), CONF.replace('/srv/elsewhere/paniclog.ec', '/var/log/ecelerity/paniclog.ec'));
  return r;
}
