/**
 * The package hooks under a real package manager, as root: a small fake Momentum package built with
 * dpkg-deb, whose maintainer scripts are the snippets packaging/deb/preinst and postinst (for self-built
 * Momentum packages), installed and upgraded with `dpkg --root` into a throw-away root. The snippets' absolute
 * /usr/bin/momentum-perms is replaced by the workspace's wrapper of the built CLI, and they learn the root
 * from DPKG_ROOT. (test/packaging/ installs the tool's own deb, with its file trigger, chrooted.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseRoot, buildDeb, cli, CONF, dpkgInstall, ensureBuilt, mkdir, put, st, workspace, type PackageFile, type Workspace } from './packaging.js';
import { asRoot } from '../support/root.js';

const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
const KEY = '/opt/msys/ecelerity/etc/conf/dkim/example.com/default.key';
const LOG = '/var/log/ecelerity/paniclog.ec';
const BIN = '/opt/msys/ecelerity/bin/ec_ctl';
const LUA = '/opt/msys/ecelerity/etc/conf/default/policy.lua';
const LOCAL_RULES = '/etc/momentum-perms/local.rules';

/** Version 1, as packages ship: everything root's, private files 0600. */
const V1: PackageFile[] = [
  { path: CONF_PATH, mode: 0o644, text: CONF },
  { path: KEY, mode: 0o600 },
  { path: LOG, mode: 0o600 },
  { path: BIN, mode: 0o755 },
];
/** Version 2 resets modes (and, being a package, ownership to root) and adds a file. */
const V2: PackageFile[] = [
  { path: CONF_PATH, mode: 0o664, text: CONF },
  { path: KEY, mode: 0o640 },
  { path: LOG, mode: 0o644 },
  { path: BIN, mode: 0o775 },
  { path: LUA, mode: 0o666 },
];

function latestFixJournal(root: string): string {
  const dir = path.join(root, 'var/lib/momentum-perms/journal');
  const fixes = fs.readdirSync(dir).filter((n) => n.includes('-fix-')).sort();
  const last = fixes[fixes.length - 1];
  if (last === undefined) throw new Error('no fix journal');
  return `/var/lib/momentum-perms/journal/${last}`;
}

describe.runIf(asRoot)('dpkg upgrade with the package hooks', () => {
  let ws: Workspace;
  let root: string;
  beforeAll(() => ensureBuilt(), 120_000);
  beforeEach(() => {
    ws = workspace('mp-dpkg-');
    root = baseRoot(ws.dir);
    // The MTA's own data, not the package's: a spool owned by ecuser.
    mkdir(root, '/var/spool/ecelerity', 500, 500, 0o750);
    mkdir(root, '/var/spool/ecelerity/A', 500, 500, 0o750);
    for (const n of ['1.data', '1.meta', '2.data', '2.meta']) put(root, `/var/spool/ecelerity/A/${n}`, 500, 500, 0o640);
  });
  afterEach(() => ws.cleanup());

  it('restores exactly the allowed local changes, fixes the drift, and journals it for undo', () => {
    const v1 = dpkgInstall(ws, root, buildDeb(ws.dir, '1.0', V1));
    expect(v1.status, v1.out).toBe(0);
    // The first install has no snapshot: the rules decide (ecuser owns its configuration, root its binaries).
    expect(v1.out).toContain('post-upgrade: no /var/lib/momentum-perms/snapshots/pre-upgrade.snap and no baseline /var/lib/momentum-perms/snapshots/baseline.snap; fixing by the rules alone');
    expect([st(root, CONF_PATH), st(root, KEY), st(root, LOG), st(root, BIN)]).toEqual(['500:500 0644', '500:500 0600', '500:500 0600', '0:0 0755']);

    // Local changes. Allowed: the panic log readable by a monitoring group (a local rule says so), and a key
    // stricter than the rules ask. Not allowed: ec_ctl handed to ecuser (root runs it).
    put(root, LOCAL_RULES, 0, 0, 0o644, `${LOG}  group=monitor  reason="read by the monitoring agent"\n`);
    fs.chownSync(path.join(root, LOG), 500, 600);
    fs.chmodSync(path.join(root, LOG), 0o640);
    fs.chmodSync(path.join(root, KEY), 0o400);
    fs.chownSync(path.join(root, BIN), 500, 500);

    const v2 = dpkgInstall(ws, root, buildDeb(ws.dir, '2.0', V2));
    expect(v2.status, v2.out).toBe(0);
    expect(v2.out).toMatch(/pre-upgrade: snapshot of \d+ entries written to \/var\/lib\/momentum-perms\/snapshots\/pre-upgrade\.snap/);
    expect(v2.out).toMatch(/post-upgrade: fixed 5 \(3 to the pre-upgrade values, 0 to a re-created account's new id\), refused 0, failed 0, reported 0; journal /);

    // The allowed local choices came back; what the rules forbid did not; the new file follows the rules.
    expect(st(root, LOG)).toBe('500:600 0640');
    expect(st(root, KEY)).toBe('500:500 0400');
    expect(st(root, CONF_PATH)).toBe('500:500 0644');
    expect(st(root, LUA)).toBe('500:500 0644');
    expect(st(root, BIN)).toBe('0:0 0755');
    expect(cli(ws, ['audit', '--root', root]).status).toBe(0);

    // Logged to the log file and to syslog, and the snapshot set aside for a person.
    const log = fs.readFileSync(path.join(root, 'var/log/momentum-perms.log'), 'utf8');
    expect(log).toMatch(/momentum-perms\[\d+\]: notice: post-upgrade: fixed 5 /);
    expect(fs.readFileSync(ws.syslogFile, 'utf8')).toMatch(/^-t momentum-perms -p user\.notice -- post-upgrade: fixed 5 /m);
    expect(fs.readdirSync(path.join(root, 'var/lib/momentum-perms/snapshots'))).toEqual(['last-upgrade.snap']);

    // The journal records every change with the values version 2 left, before it was made.
    const journal = latestFixJournal(root);
    expect(log).toContain(`undo with: momentum-perms undo --root ${root} ${journal}`);
    const records = fs
      .readFileSync(path.join(root, journal), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"path"'))
      .map((l) => JSON.parse(l) as { path: string; before: { uid: number; gid: number; mode: number } });
    const before = Object.fromEntries(records.map((r) => [r.path, `${r.before.uid}:${r.before.gid} ${r.before.mode.toString(8).padStart(4, '0')}`]));
    expect(before).toEqual({ [LOG]: '0:0 0644', [KEY]: '0:0 0640', [CONF_PATH]: '0:0 0664', [LUA]: '0:0 0666', [BIN]: '0:0 0775' });

    // Undo puts back what it safely can. ec_ctl sits in a root-only directory: restored. The others would go
    // back to root inside directories ecuser can write, where ecuser could swap the entry under a root
    // chown: the safety model refuses them, and says so.
    const u = cli(ws, ['undo', '--root', root, journal]);
    expect(u.status, u.out + u.err).toBe(1);
    expect(u.out).toMatch(/refused\s+unsafe-parent\s+4 entries/);
    expect(st(root, BIN)).toBe('0:0 0775');
    expect([st(root, LOG), st(root, KEY), st(root, CONF_PATH), st(root, LUA)]).toEqual(['500:600 0640', '500:500 0400', '500:500 0644', '500:500 0644']);
  });

  it('detects a service account re-created with a new uid by the package and carries the spool over', () => {
    expect(dpkgInstall(ws, root, buildDeb(ws.dir, '1.0', V1)).status).toBe(0);
    // Version 2's own preinst (after the snippet) deletes and re-adds ecuser: it comes back as 501.
    const recreate = `sed -i 's/^ecuser:x:500:500:/ecuser:x:501:501:/' "$DPKG_ROOT/etc/passwd"\nsed -i 's/^ecuser:x:500:/ecuser:x:501:/' "$DPKG_ROOT/etc/group"\n`;
    const v2 = dpkgInstall(ws, root, buildDeb(ws.dir, '2.0', V2, recreate));
    expect(v2.status, v2.out).toBe(0);
    expect(v2.out).toMatch(
      /post-upgrade: user ecuser was re-created: id 500 in the snapshot, 501 now; \d+ entries still owned by 500 \(no passwd entry now\) go to ecuser \(501\) on fix/,
    );
    expect(v2.out).toMatch(/post-upgrade: group ecuser was re-created: id 500 in the snapshot, 501 now;/);
    // Nothing in the trees is left to the old ids, the spool (never in the snapshot) included.
    const left: string[] = [];
    const walk = (p: string): void => {
      const s = fs.lstatSync(path.join(root, p));
      if (s.uid === 500 || s.gid === 500) left.push(p);
      if (s.isDirectory()) for (const n of fs.readdirSync(path.join(root, p))) walk(`${p}/${n}`);
    };
    for (const t of ['/opt/msys', '/var/log/ecelerity', '/var/spool/ecelerity']) walk(t);
    expect(left).toEqual([]);
    expect(st(root, '/var/spool/ecelerity/A/1.data')).toBe('501:501 0640');
    expect(st(root, KEY)).toBe('501:501 0600');
    expect(cli(ws, ['audit', '--root', root]).status).toBe(0);
  });
});
