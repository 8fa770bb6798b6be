/**
 * The configuration is the service account's to edit: where it alone asks for a change to root's own files,
 * the fix reports and changes nothing; where a root-controlled source (the group database, a plain rule in
 * the root-owned rules) agrees, the change is made. For real, as root, in a temporary root.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/types.js';
import { ECGROUP, ECUSER, file, mkdir, perms, type TempRoot } from './helpers.js';
import { cli, CONF, install, SPOOL } from './install.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

async function fix(): Promise<{ code: number; outcomes: Record<string, string> }> {
  const x = await cli('fix', '--root', r.dir, '--json');
  const outcomes = (JSON.parse(x.out) as { outcomes: Outcome[] }).outcomes;
  return { code: x.code, outcomes: Object.fromEntries(outcomes.map((o) => [o.path, o.reason ? `${o.outcome} ${o.reason}` : o.outcome])) };
}

function security(user: string, group: string, extra = ''): void {
  fs.writeFileSync(r.h(CONF), `Security {\n  user = "${user}"\n  group = "${group}"\n}\nspoolbase = "${SPOOL}"\n${extra}`);
}

const CREDS = '/opt/msys/etc/credentials.db';

describe("the Security stanza's group on root's securecreds database (owner=root group=$group)", () => {
  function withCreds(): void {
    r = install();
    fs.appendFileSync(r.h('/etc/group'), 'shadow:x:42:\nmembers:x:600:other,ecuser\n');
    mkdir(r.h('/opt/msys/etc'), 0, 0, 0o755);
    file(r.h(CREDS), 0, 0, 0o600, 'root secrets\n');
  }

  it.each([
    ['shadow', 'a group the service user is not in'],
    ['0', 'gid 0'],
    ['root', "root's group"],
    ['other', "another account's primary group"],
  ])('group = %s (%s): reported, never given to that group', async (group) => {
    withCreds();
    security('ecuser', group);
    const x = await fix();
    expect(x.outcomes[CREDS]).toBe('refused config-unconfirmed');
    expect(perms(r.h(CREDS))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });

  it("the user's primary group, or a group listing the user, is confirmed by the group database: fixed", async () => {
    withCreds();
    security('ecuser', 'ecuser');
    expect((await fix()).outcomes[CREDS]).toBe('fixed');
    expect(perms(r.h(CREDS))).toEqual({ uid: 0, gid: ECGROUP, mode: 0o640 });
    fs.chownSync(r.h(CREDS), 0, 0);
    security('ecuser', 'members');
    expect((await fix()).outcomes[CREDS]).toBe('fixed');
    expect(perms(r.h(CREDS))).toEqual({ uid: 0, gid: 600, mode: 0o640 });
  });

  it('an unconfirmed group still applies to what is not root\'s (the spool stays the service\'s to group)', async () => {
    withCreds();
    security('ecuser', 'shadow');
    const x = await fix();
    expect(x.outcomes[`${SPOOL}/0/m0`]).toBe('fixed');
    expect(perms(r.h(`${SPOOL}/0/m0`))).toEqual({ uid: ECUSER, gid: 42, mode: 0o640 });
  });
});

describe('a @kind rule claiming a root file that no plain rule names', () => {
  const KEY = '/opt/msys/ecelerity/share/secret';
  function withRootFile(): void {
    r = install();
    mkdir(r.h('/opt/msys/ecelerity/share'), 0, 0, 0o755);
    file(r.h(KEY), 0, 0, 0o600, 'root only\n');
    // TLS_Key is a private-key path: `@private-key owner=$user` would give it to the service account.
    security('ecuser', 'ecuser', `Domain "x" {\n  TLS_Key = "${KEY}"\n}\n`);
  }

  it('is reported, never handed to the service account', async () => {
    withRootFile();
    const x = await fix();
    expect(x.outcomes[KEY]).toBe('refused config-unconfirmed');
    expect(x.code).toBe(1);
    expect(perms(r.h(KEY))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });

  it('is fixed once the root-owned local rules name it for the service account', async () => {
    withRootFile();
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644, `${KEY}  owner=$user  reason="test: the TLS key is ecuser's"\n`);
    expect((await fix()).outcomes[KEY]).toBe('fixed');
    expect(perms(r.h(KEY)).uid).toBe(ECUSER);
  });

  it('a root-owned spool file (a tree the rules declare spool) is still an ordinary drift', async () => {
    withRootFile();
    fs.chownSync(r.h(`${SPOOL}/1/m2`), 0, 0);
    expect((await fix()).outcomes[`${SPOOL}/1/m2`]).toBe('fixed');
    expect(perms(r.h(`${SPOOL}/1/m2`))).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o640 });
  });
});

describe('a local rules file the service account owns', () => {
  it('is refused by audit as by fix (MP203): it could declare the account\'s own drift compliant', async () => {
    r = install();
    // The service account took the sbin binary and wrote local rules that bless it.
    fs.chownSync(r.h('/opt/msys/ecelerity/sbin/ecelerity'), ECUSER, ECGROUP);
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    file(r.h('/etc/momentum-perms/local.rules'), ECUSER, ECGROUP, 0o644, '/opt/msys/ecelerity/sbin/**  owner=$user  reason="mine"\n');
    const a = await cli('audit', '--root', r.dir);
    expect(a.code).toBe(2);
    expect(a.err).toContain('MP203');
    expect(a.err).toContain('/etc/momentum-perms/local.rules');
    expect((await cli('fix', '--root', r.dir)).code).toBe(2);
    // Root's again: the audit reads it and reports as usual.
    fs.chownSync(r.h('/etc/momentum-perms/local.rules'), 0, 0);
    const b = await cli('audit', '--root', r.dir);
    expect(b.code).not.toBe(2);
    expect(b.err).not.toContain('MP203');
  });
});

describe("a @kind rule claiming another account's file, or an orphaned uid's", () => {
  it.each([
    [600, 'another account'],
    [1234, 'an id no account has (a tarball install)'],
  ])('owner %i (%s): reported, never handed to the service account', async (uid) => {
    r = install();
    mkdir(r.h('/opt/msys/ecelerity/share'), 0, 0, 0o755);
    const victim = '/opt/msys/ecelerity/share/helper.sh';
    file(r.h(victim), uid, uid, 0o755, '#!/bin/sh\n');
    security('ecuser', 'ecuser', `Domain "x" {\n  TLS_Key = "${victim}"\n}\n`);
    const x = await fix();
    expect(x.outcomes[victim]).toBe('refused config-unconfirmed');
    expect(perms(r.h(victim))).toEqual({ uid, gid: uid, mode: 0o755 });
  });
});

describe('directories the service account could rename in, above or inside the install', () => {
  it('are findings: above a tree reported, inside the install fixed, so no root file can be moved into conf/', async () => {
    r = install();
    // A `chown -R ecuser /opt/msys/ecelerity/etc` by mistake, and /opt/msys the service account's.
    mkdir(r.h('/opt/msys/ecelerity/etc'), ECUSER, ECGROUP, 0o775);
    fs.chownSync(r.h('/opt/msys'), ECUSER, ECGROUP);
    file(r.h('/opt/msys/ecelerity/etc/dbpass'), 0, 0, 0o600, 'rootpw=s3cret\n');
    const a = await cli('audit', '--root', r.dir, '--json');
    const findings = (JSON.parse(a.out) as { findings: { path: string; check: string; rule: string }[] }).findings;
    const at = (p: string): string[] => findings.filter((f) => f.path === p).map((f) => `${f.check} ${f.rule}`);
    expect(at('/opt/msys')).toEqual(['owner builtin:above-tree']);
    expect(at('/opt/msys/ecelerity/etc').some((f) => f.startsWith('owner rules/4.x.rules:'))).toBe(true);
    const x = await fix();
    expect(x.outcomes['/opt/msys/ecelerity/etc']).toBe('fixed');
    expect(perms(r.h('/opt/msys/ecelerity/etc'))).toEqual({ uid: 0, gid: ECGROUP, mode: 0o755 });
    // Reported, never changed: it lies outside every tree.
    expect(perms(r.h('/opt/msys')).uid).toBe(ECUSER);
    expect(x.outcomes['/opt/msys']).toBeUndefined();
    expect(perms(r.h('/opt/msys/ecelerity/etc/dbpass'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });
});

describe('paths from the configuration with a link on the way', () => {
  it('are not looked up behind the link: no metadata of what lies there is reported', async () => {
    r = install();
    mkdir(r.h('/var/tmp'), 0, 0, 0o1777);
    mkdir(r.h('/secret'), 0, 0, 0o700);
    file(r.h('/secret/.bashrc'), 0, 0, 0o644, 'root only\n');
    fs.symlinkSync('/secret', r.h('/var/tmp/l'));
    fs.lchownSync(r.h('/var/tmp/l'), ECUSER, ECGROUP);
    security('ecuser', 'ecuser', 'ec_logger "l" {\n  paniclog = "/var/tmp/l/.bashrc"\n}\n');
    const a = await cli('audit', '--root', r.dir, '--json');
    const findings = (JSON.parse(a.out) as { findings: { path: string; check: string; actual: string | null }[] }).findings.filter((f) => f.path === '/var/tmp/l/.bashrc');
    expect(findings.map((f) => `${f.check} ${f.actual}`)).toEqual(['error ELOOP']);
  });

  it("a root's own link on the way to a tree (/var/run → /run) is followed, and the directory behind it is checked", async () => {
    r = install();
    mkdir(r.h('/run'), ECUSER, ECGROUP, 0o755);
    file(r.h('/run/ecelerity.pid'), ECUSER, ECGROUP, 0o644, '1\n');
    fs.symlinkSync('/run', r.h('/var/run'));
    const a = await cli('audit', '--root', r.dir, '--json');
    const findings = (JSON.parse(a.out) as { findings: { path: string; check: string; rule: string }[] }).findings;
    expect(findings.filter((f) => f.path === '/run').map((f) => `${f.check} ${f.rule}`)).toEqual(['owner builtin:above-tree']);
  });
});
