/**
 * POSIX access ACLs in the root-only checks, for real, as root, in a temporary root. `root:root 0775` with
 * `user:ecuser:rwx` is written by ecuser though its owner and group are root's: every check that takes root's
 * group write as root's alone must see that. Natively the ACL is read; the pure-JS path cannot read it (Node has
 * no xattr calls) and takes root's group write as another account's.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { untrustedPath } from '../../src/io/trust.js';
import { openState } from '../../src/io/state.js';
import { makeRoot } from '../../src/io/fs.js';
import { nativeFs } from '../../src/io/native.js';
import { directoriesTo, lstatNoFollow } from '../../src/walk/descriptors.js';
import { openTrustedFile } from '../../src/io/secure-path.js';
import { hookLog } from '../../src/upgrade/log.js';
import { audit } from '../../src/pipeline.js';
import { cli, install } from './install.js';
import { MpError } from '../../src/errors.js';
import type { Outcome } from '../../src/types.js';
import { asRoot } from '../support/root.js';
import { setAcl } from '../support/acl.js';
import { applyRequests, ECGROUP, ECUSER, file, mkdir, perms, requestFor, tempRoot, type TempRoot } from './helpers.js';

const OPT = '/opt/msys/ecelerity';
const STATE = '/var/lib/momentum-perms';
const OTHER = 501;
const native = nativeFs() !== null;
let roots: TempRoot[] = [];
afterEach(() => {
  for (const r of roots) r.cleanup();
  roots = [];
});

function root(): TempRoot {
  const r = tempRoot();
  roots.push(r);
  mkdir(r.h('/opt/msys'), 0, 0, 0o755);
  mkdir(r.h(OPT), 0, 0, 0o755);
  mkdir(r.h(STATE), 0, 0, 0o700);
  return r;
}

const brief = (o: Outcome): string => `${o.path} ${o.outcome}${o.reason ? ' ' + o.reason : ''}`;

describe.runIf(asRoot)('the root-only checks see an ACL', () => {
  it('a rules-like file root:root 0664 is not root\'s alone when its ACL lets ecuser write it', () => {
    const r = root();
    file(r.h('/opt/msys/plain.rules'), 0, 0, 0o664);
    file(r.h('/opt/msys/acl.rules'), 0, 0, 0o664);
    setAcl(r.h('/opt/msys/acl.rules'), { users: [[ECUSER, 6]], mask: 6 });
    expect(untrustedPath(r.h('/opt/msys/acl.rules'))).toMatch(native ? /writable by an account its ACL names/ : /could not be read/);
    // Without an ACL, root's group write is root's (natively); the pure-JS path cannot tell.
    if (native) expect(untrustedPath(r.h('/opt/msys/plain.rules'))).toBeNull();
    else expect(untrustedPath(r.h('/opt/msys/plain.rules'))).toMatch(/could not be read/);
  });

  it('a directory on the way root:root 0775 whose ACL lets another account write is not passable', () => {
    const r = root();
    mkdir(r.h('/opt/msys/shared'), 0, 0, 0o775);
    setAcl(r.h('/opt/msys/shared'), { users: [[OTHER, 7]] });
    file(r.h('/opt/msys/shared/x.rules'), 0, 0, 0o644);
    expect(untrustedPath(r.h('/opt/msys/shared/x.rules'))).toMatch(/is in directory .*shared which is writable by/);
    // The audit's check of the directories above a tree reads it too.
    const passed = directoriesTo(makeRoot(r.dir), '/opt/msys/shared/x.rules').find((d) => d.path === '/opt/msys/shared');
    expect(passed?.acl).toBe(native ? 'writers' : 'unread');
  });

  it('a file read as root (openTrustedFile) and the hook\'s log are not root\'s alone when their ACL lets ecuser write them', () => {
    const r = root();
    mkdir(r.h('/var'), 0, 0, 0o755);
    mkdir(r.h('/var/log'), 0, 0, 0o755);
    for (const f of ['/opt/msys/snap.json', '/var/log/momentum-perms.log']) {
      file(r.h(f), 0, 0, 0o664);
      setAcl(r.h(f), { users: [[ECUSER, 6]], mask: 6 });
    }
    expect(() => openTrustedFile(makeRoot(r.dir), '/opt/msys/snap.json', 'snapshot', 'MP302')).toThrow(native ? /its ACL names/ : /could not be read/);
    const err: string[] = [];
    hookLog({ root: makeRoot(r.dir), logFile: '/var/log/momentum-perms.log', syslog: false, out: () => undefined, err: (t) => void err.push(t) }).line('notice', 'post-upgrade: fixed 0');
    expect(err.join('')).toMatch(native ? /cannot write log file .*its ACL names/ : /cannot write log file .*could not be read/);
    expect(fs.readFileSync(r.h('/var/log/momentum-perms.log'), 'utf8')).toBe('x\n');
  });

  it("root's own link on the way (/var/run → /run) is followed only where its directory's ACL lets nobody else write", () => {
    const r = root();
    mkdir(r.h('/var'), 0, 0, 0o775);
    mkdir(r.h('/run'), 0, 0, 0o755);
    file(r.h('/run/ecelerity.pid'), 0, 0, 0o644);
    fs.symlinkSync('/run', r.h('/var/run'));
    if (native) expect(lstatNoFollow(makeRoot(r.dir), '/var/run/ecelerity.pid')?.isFile()).toBe(true);
    setAcl(r.h('/var'), { users: [[ECUSER, 7]] });
    expect(() => lstatNoFollow(makeRoot(r.dir), '/var/run/ecelerity.pid')).toThrow(/ELOOP/);
  });

  it('the audit reports a directory above a tree whose ACL lets another account write it', () => {
    const r = install();
    roots.push(r);
    const above = (): string[] => {
      const paths: string[] = [];
      audit({ root: r.dir, onFinding: (f) => void (f.rule === 'builtin:above-tree' && paths.push(f.path)) });
      return paths;
    };
    fs.chmodSync(r.h('/opt/msys'), 0o775);
    expect(above()).toEqual(native ? [] : ['/opt/msys']);
    setAcl(r.h('/opt/msys'), { users: [[ECUSER, 7]] });
    expect(above()).toEqual(['/opt/msys']);
  });

  it('explain shows an ACL that lets another account write, and one that decides and could not be read', async () => {
    const r = install();
    roots.push(r);
    const BIN_CTL = '/opt/msys/ecelerity/bin/ec_ctl';
    const acl = async (): Promise<string | undefined> => (await cli('explain', '--root', r.dir, BIN_CTL)).out.split('\n').find((l) => l.startsWith('  acl:'));
    expect(await acl()).toBeUndefined();
    fs.chmodSync(r.h(BIN_CTL), 0o775);
    expect(await acl()).toBe(native ? undefined : "  acl:      not read (the native helpers are not loaded, and Node has no call for it): root's group write may be another account's");
    setAcl(r.h(BIN_CTL), { users: [[ECUSER, 7]] });
    expect(await acl()).toMatch(native ? /^  acl: +names another account with write/ : /^  acl: +not read/);
    // Beside what the path has, once.
    const out = (await cli('explain', '--root', r.dir, BIN_CTL)).out;
    expect(out.match(/^  has: .*$/gm)).toEqual(['  has:      file, owner root (0), group root (0), mode 0775']);
  });

  it('a state directory whose ACL lets ecuser write it is refused (MP303), saying so', () => {
    const r = root();
    fs.chmodSync(r.h(STATE), 0o770);
    setAcl(r.h(STATE), { users: [[ECUSER, 7]], group: 0, other: 0 });
    let err: unknown;
    try {
      openState(makeRoot(r.dir), STATE).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MpError);
    expect((err as MpError).code).toBe('MP303');
    expect((err as MpError).message).toMatch(native ? /its ACL names/ : /could not be read/);
  });
});

describe.runIf(asRoot)('the fix sees an ACL', () => {
  it('no setuid-root file below a root:root 0775 directory whose ACL lets ecuser write it', () => {
    // The ACL is on the directory above the file's: whoever writes it can rename `sub` away and put its own.
    const got: Record<string, string[]> = {};
    for (const acl of [false, true]) {
      const r = root();
      mkdir(r.h(`${OPT}/bin`), 0, 0, 0o775);
      mkdir(r.h(`${OPT}/bin/sub`), 0, 0, 0o755);
      if (acl) setAcl(r.h(`${OPT}/bin`), { users: [[ECUSER, 7]] });
      file(r.h(`${OPT}/bin/sub/helper`), 0, 0, 0o755);
      const out = applyRequests(r, [requestFor(r, `${OPT}/bin/sub/helper`, OPT, { uid: 0, gid: 0, mode: 0o4755 })]);
      got[String(acl)] = out.map(brief);
      if (acl || !native) expect(perms(r.h(`${OPT}/bin/sub/helper`)).mode).toBe(0o755);
      // Refused only for an ACL that could not be read: the refusal says so (an ACL read is a known writer).
      if (!native) expect(out[0]?.message).toMatch(/a directory on the way is root's group's to write, and its ACL, .* could not be read \(the native helpers are not loaded/);
    }
    expect(got['true']).toEqual([`${OPT}/bin/sub/helper refused setid-in-user-tree`]);
    // Natively the directory without an ACL is root's alone; the pure-JS path cannot tell, and refuses.
    expect(got['false']).toEqual([native ? `${OPT}/bin/sub/helper fixed` : `${OPT}/bin/sub/helper refused setid-in-user-tree`]);
  });

  it('a setid refusal that only unread ACLs make names each of them (the entry\'s and a directory\'s on the way)', () => {
    const r = root();
    mkdir(r.h(`${OPT}/tools`), 0, 0, 0o775);
    mkdir(r.h(`${OPT}/tools/sub`), 0, 0, 0o755);
    file(r.h(`${OPT}/tools/sub/t`), 0, 0, 0o775);
    const out = applyRequests(r, [requestFor(r, `${OPT}/tools/sub/t`, OPT, { uid: 0, gid: 0, mode: 0o4755 })]);
    if (native) {
      // Both ACLs read, neither names anyone: root's alone, setuid granted.
      expect(out.map(brief)).toEqual([`${OPT}/tools/sub/t fixed`]);
    } else {
      expect(out.map(brief)).toEqual([`${OPT}/tools/sub/t refused setid-in-user-tree`]);
      expect(out[0]?.message).toMatch(/^mode 0775: root's group may write, and an ACL, .* could not be read .*; a directory on the way is root's group's to write, and its ACL, .* could not be read/);
    }
  });

  it('a root:root 0775 directory whose ACL lets ecuser write it is unsafe for a setuid-root file right in it', () => {
    const r = root();
    mkdir(r.h(`${OPT}/bin`), 0, 0, 0o775);
    setAcl(r.h(`${OPT}/bin`), { users: [[ECUSER, 7]] });
    file(r.h(`${OPT}/bin/helper`), 0, 0, 0o755);
    const out = applyRequests(r, [requestFor(r, `${OPT}/bin/helper`, OPT, { uid: 0, gid: 0, mode: 0o4755 })]);
    expect(out.map(brief)).toEqual([`${OPT}/bin/helper refused unsafe-parent`]);
    expect(perms(r.h(`${OPT}/bin/helper`)).mode).toBe(0o755);
  });

  it('a root:root 0775 file whose ACL lets ecuser write it is not laundered to 0755: refused, saying why', () => {
    const got: Record<string, Outcome[]> = {};
    for (const acl of [false, true]) {
      const r = root();
      mkdir(r.h(`${OPT}/lib`), 0, 0, 0o755);
      file(r.h(`${OPT}/lib/libx.so`), 0, 0, 0o775);
      if (acl) setAcl(r.h(`${OPT}/lib/libx.so`), { users: [[ECUSER, 7]] });
      got[String(acl)] = applyRequests(r, [requestFor(r, `${OPT}/lib/libx.so`, OPT, { uid: 0, gid: 0, mode: 0o755 })]);
      const left = perms(r.h(`${OPT}/lib/libx.so`)).mode;
      expect(left).toBe(acl || !native ? 0o775 : 0o755);
    }
    const refusal = got['true']?.[0];
    expect(refusal?.reason).toBe('writable-content');
    expect(refusal?.message).toMatch(native ? /mode 0775 with an ACL that lets another account write/ : /could not be read/);
    expect(got['false']?.map(brief)).toEqual([native ? `${OPT}/lib/libx.so fixed` : `${OPT}/lib/libx.so refused writable-content`]);
  });

  // Owned by root, or by the entry's new owner (whose own write does not count, but a third account's does).
  for (const owner of [0, ECUSER]) it(`a directory ${owner}:0 0775 whose ACL lets a third account write it is unsafe to hand an entry below to ecuser, saying why`, () => {
    const got: Record<string, Outcome[]> = {};
    for (const acl of [false, true]) {
      const r = root();
      mkdir(r.h(`${OPT}/q`), owner, 0, 0o775);
      if (acl) setAcl(r.h(`${OPT}/q`), { users: [[OTHER, 7]] });
      file(r.h(`${OPT}/q/m`), 0, 0, 0o644);
      got[String(acl)] = applyRequests(r, [requestFor(r, `${OPT}/q/m`, OPT, { uid: ECUSER, gid: ECGROUP, mode: 0o640 })]);
    }
    expect(got['true']?.map(brief)).toEqual([`${OPT}/q/m refused unsafe-parent`]);
    expect(got['true']?.[0]?.message).toMatch(native ? /its directory has mode 0775 with an ACL that lets another account write/ : /its directory has mode 0775: .*could not be read/);
    expect(got['false']?.map(brief)).toEqual([native ? `${OPT}/q/m fixed` : `${OPT}/q/m refused unsafe-parent`]);
  });

  it("an ACL ecuser sets on its own file does not let the fix make it root's in place (a root:root 0775 target)", () => {
    // At the fix, the file is ecuser's: its ACL is ecuser's to set, and `user:ecuser:rwx` would keep it writing
    // the file once root's. The target counts as root's alone by its mode: refused as laundering, as without.
    for (const acl of [false, true]) {
      const r = root();
      mkdir(r.h(`${OPT}/lib`), 0, 0, 0o755);
      file(r.h(`${OPT}/lib/libx.so`), ECUSER, 0, 0o775);
      if (acl) setAcl(r.h(`${OPT}/lib/libx.so`), { users: [[ECUSER, 7]] });
      const out = applyRequests(r, [requestFor(r, `${OPT}/lib/libx.so`, OPT, { uid: 0, gid: 0, mode: 0o775 })]);
      expect(out.map(brief), `acl ${acl}`).toEqual([`${OPT}/lib/libx.so refused writable-content`]);
      expect(perms(r.h(`${OPT}/lib/libx.so`)).uid).toBe(ECUSER);
    }
  });

  it("the laundering check takes the target as its mode makes it, whatever the entry's ACL keeps", () => {
    // root:root 0775 with user:ecuser:rwx, to be root:root 0770: by its mode root's alone, so refused, although
    // the ACL (kept by a chmod) would still let ecuser write it.
    const r = root();
    mkdir(r.h(`${OPT}/lib`), 0, 0, 0o755);
    file(r.h(`${OPT}/lib/libx.so`), 0, 0, 0o775);
    setAcl(r.h(`${OPT}/lib/libx.so`), { users: [[ECUSER, 7]] });
    const out = applyRequests(r, [requestFor(r, `${OPT}/lib/libx.so`, OPT, { uid: 0, gid: 0, mode: 0o770 })]);
    expect(out.map(brief)).toEqual([`${OPT}/lib/libx.so refused writable-content`]);
  });

  it("a root:root 0775 directory whose ACL cannot be read does not switch the laundering check off", () => {
    // The pure-JS path cannot read the directory's ACL: root's group write may be another account's, but not
    // knowing must not skip the check that stops an ecuser-owned binary being made root's in place.
    // `/opt/msys` root:root 0775 (a umask-002 install), the binary two directories below it.
    const r = root();
    fs.chmodSync(r.h('/opt/msys'), 0o775);
    mkdir(r.h(`${OPT}/bin`), 0, 0, 0o755);
    file(r.h(`${OPT}/bin/ec_rotate`), ECUSER, ECGROUP, 0o755);
    const out = applyRequests(r, [requestFor(r, `${OPT}/bin/ec_rotate`, OPT, { uid: 0, gid: 0, mode: 0o755 })]);
    expect(out.map(brief)).toEqual([`${OPT}/bin/ec_rotate refused writable-content`]);
    expect(perms(r.h(`${OPT}/bin/ec_rotate`)).uid).toBe(ECUSER);
  });

  it('a dry run judges what is below a directory as the planned change leaves it, its ACL included', () => {
    // root:root 0755 with user:other:rwx (mask r-x): nobody else writes it until the change makes it 0775.
    const got: Record<string, string[]> = {};
    for (const dryRun of [true, false]) {
      const r = root();
      mkdir(r.h(`${OPT}/q`), 0, 0, 0o755);
      setAcl(r.h(`${OPT}/q`), { users: [[OTHER, 7]], mask: 5 });
      file(r.h(`${OPT}/q/m`), 0, 0, 0o644);
      const reqs = [requestFor(r, `${OPT}/q`, OPT, { uid: 0, gid: 0, mode: 0o775 }), requestFor(r, `${OPT}/q/m`, OPT, { uid: ECUSER, gid: ECGROUP, mode: 0o640 })];
      got[String(dryRun)] = applyRequests(r, reqs, { dryRun }).map((o) => `${o.path} ${o.message === 'planned' ? 'planned' : o.outcome}${o.reason ? ' ' + o.reason : ''}`);
    }
    expect(got['false']).toEqual([`${OPT}/q fixed`, `${OPT}/q/m refused unsafe-parent`]);
    expect(got['true']).toEqual([`${OPT}/q planned`, `${OPT}/q/m refused unsafe-parent`]);
  });

  it('a chmod keeps the named entries: a file made root:root 0664 from 0644 counts its ACL', () => {
    // The mask is r-- now (0644): the named writer cannot write until the change makes the group bits rw-.
    const r = root();
    mkdir(r.h(`${OPT}/etc`), 0, 0, 0o755);
    file(r.h(`${OPT}/etc/x`), 0, 0, 0o4644);
    setAcl(r.h(`${OPT}/etc/x`), { users: [[ECUSER, 6]], mask: 4, group: 4, other: 4 });
    fs.chmodSync(r.h(`${OPT}/etc/x`), 0o644);
    const out = applyRequests(r, [requestFor(r, `${OPT}/etc/x`, OPT, { uid: 0, gid: 0, mode: 0o6664 })]);
    expect(out.map(brief)).toEqual([`${OPT}/etc/x refused setid-in-user-tree`]);
    expect(perms(r.h(`${OPT}/etc/x`)).mode).toBe(0o644);
  });
});
