/**
 * `momentum-perms fix` and `undo` end to end, as root, on a temporary Momentum install: the real audit,
 * the shipped rules, each attack set up for real, and snapshots proving nothing else changed.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { processStart } from '../../src/io/lock.js';
import type { Outcome } from '../../src/types.js';
import { changed, ECGROUP, ECUSER, file, mkdir, ORPHAN, perms, snapshot, snapshotEtc, type TempRoot } from './helpers.js';
import { BIN, cli, CONF, install, journals, momentum, SPOOL, STATE } from './install.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

interface Report {
  outcomes: Outcome[];
  plan: { path: string }[];
  reported: { path: string; check: string }[];
  journal: string | null;
  summary: Record<string, number>;
}

async function fixJson(...args: string[]): Promise<{ code: number; rep: Report; err: string }> {
  const x = await cli('fix', '--root', r.dir, '--json', ...args);
  return { code: x.code, rep: JSON.parse(x.out) as Report, err: x.err };
}

/** What changed in the temp root (state directory left out) and in the host's /etc since `before`. */
function changedSince(before: { root: ReturnType<typeof snapshot>; etc: ReturnType<typeof snapshotEtc> }): string[] {
  expect(changed(before.etc, snapshotEtc())).toEqual([]);
  return changed(before.root, snapshot(r.dir))
    .map((p) => momentum(r, p))
    .filter((p) => !p.startsWith(STATE) && p !== '/var/lib');
}

const world = () => ({ root: snapshot(r.dir), etc: snapshotEtc() });
const outcomeOf = (rep: Report) => Object.fromEntries(rep.outcomes.map((o) => [o.path, o.reason ? `${o.outcome} ${o.reason}` : o.outcome]));

describe('fix', () => {
  it('fixes owner, group and mode drift, changes nothing else, and has nothing to do the second time', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chownSync(r.h(`${SPOOL}/1`), 0, 0);
    fs.chownSync(r.h(CONF), 0, 0);
    // Group root's write (a umask-002 install with group root): no other account could write it.
    fs.chmodSync(r.h('/opt/msys/ecelerity/bin/ec_ctl'), 0o775);
    const before = world();
    const first = await fixJson();
    expect(first.code).toBe(0);
    expect(outcomeOf(first.rep)).toEqual({
      [`${SPOOL}/0/m1`]: 'fixed',
      [`${SPOOL}/1`]: 'fixed',
      [CONF]: 'fixed',
      '/opt/msys/ecelerity/bin/ec_ctl': 'fixed',
    });
    expect(changedSince(before).sort()).toEqual([`${SPOOL}/0/m1`, `${SPOOL}/1`, CONF, '/opt/msys/ecelerity/bin/ec_ctl'].sort());
    expect(perms(r.h('/opt/msys/ecelerity/bin/ec_ctl'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
    expect(first.rep.journal).toMatch(new RegExp(`^${STATE}/journal/.*-fix-\\d+\\.jsonl$`));

    const second = await cli('fix', '--root', r.dir);
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to fix');
    expect(journals(r)).toHaveLength(1); // a run with nothing to change leaves no journal
  });

  it('prints the exact plan on --dry-run and changes and creates nothing', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chownSync(r.h(CONF), 0, 0);
    const before = world();
    const x = await cli('fix', '--root', r.dir, '--dry-run');
    expect(x.code).toBe(1);
    // Names beside the ids, from the root's passwd and group databases.
    expect(x.out).toContain(`  ${SPOOL}/0/m1  ecuser:ecuser (${ECUSER}:${ECGROUP}) 0644 → ecuser:ecuser (${ECUSER}:${ECGROUP}) 0640`);
    expect(x.out).toContain(`  ${CONF}  root:root (0:0) 0644 → ecuser:ecuser (${ECUSER}:${ECGROUP}) 0644`);
    expect(changedSince(before)).toEqual([]);
    expect(fs.existsSync(r.h(STATE))).toBe(false);
  });

  it('after a dry run with --only, the suggested real run makes the same selection', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chownSync(r.h(CONF), 0, 0);
    const x = await cli('fix', '--root', r.dir, '--dry-run', '--only', `${SPOOL}/0`);
    expect(x.code).toBe(1);
    expect(x.out).not.toContain(CONF);
    expect(x.out).toMatch(new RegExp(`^Next: momentum-perms fix --only ${SPOOL}/0 --root \\S+`, 'm'));
  });

  it('plans entries below a drifted directory as the real run will find it (the plan is exact)', async () => {
    r = install();
    fs.chownSync(r.h('/opt/msys/ecelerity/bin'), ECUSER, ECGROUP);
    fs.chmodSync(r.h('/opt/msys/ecelerity/bin/ec_ctl'), 0o775);
    const dry = await fixJson('--dry-run');
    expect(dry.rep.plan.map((p) => p.path)).toEqual(['/opt/msys/ecelerity/bin', '/opt/msys/ecelerity/bin/ec_ctl']);
    expect(dry.rep.outcomes).toEqual([]);
    const real = await fixJson();
    expect(real.rep.outcomes.map((o) => [o.path, o.outcome])).toEqual(dry.rep.plan.map((p) => [p.path, 'fixed']));
    expect(real.code).toBe(0);
  });

  it('fixes only what --only names (a path prefix or a rule)', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chownSync(r.h(CONF), 0, 0);
    const before = world();
    const x = await fixJson('--only', `${SPOOL}/`);
    expect(x.code).toBe(0);
    expect(changedSince(before)).toEqual([`${SPOOL}/0/m1`]);
    const y = await fixJson('--only', 'rules/4.x.rules:999');
    expect(y.rep.summary['fixed']).toBe(0);
    const rule = (await fixJson('--dry-run')).rep.plan[0] as unknown as { rule: string };
    expect((await fixJson('--only', rule.rule)).rep.summary['fixed']).toBe(1);
  });
});

describe('fix refuses, with the attack set up for real', () => {
  it('a hard link in the spool to a root-only file outside the tree', async () => {
    r = install();
    fs.unlinkSync(r.h(`${SPOOL}/0/m0`));
    fs.linkSync(r.h('/outside/secret'), r.h(`${SPOOL}/0/m0`));
    const before = world();
    const x = await fixJson();
    expect(x.code).toBe(1);
    expect(outcomeOf(x.rep)).toEqual({ [`${SPOOL}/0/m0`]: 'refused hardlinked' });
    expect(changedSince(before)).toEqual([]);
  });

  it('symbolic links to a file and to a directory outside the tree', async () => {
    r = install();
    fs.symlinkSync(r.h('/outside/secret'), r.h(`${SPOOL}/0/link`));
    fs.symlinkSync(r.h('/outside'), r.h(`${SPOOL}/0/dirlink`));
    const before = world();
    const x = await fixJson();
    expect(x.code).toBe(1);
    expect(outcomeOf(x.rep)).toEqual({ [`${SPOOL}/0/link`]: 'refused symlink', [`${SPOOL}/0/dirlink`]: 'refused symlink' });
    expect(changedSince(before)).toEqual([]);
  });

  it('a FIFO, a socket and a device node no rule names (never opened: the run does not block)', async () => {
    r = install();
    execFileSync('mkfifo', ['-m', '0644', r.h(`${SPOOL}/0/fifo`)]);
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', r.h(`${SPOOL}/0/sock`)]);
    execFileSync('mknod', ['-m', '0644', r.h(`${SPOOL}/0/null`), 'c', '1', '3']);
    const before = world();
    const x = await fixJson();
    expect(x.code).toBe(1);
    expect(outcomeOf(x.rep)).toEqual({
      [`${SPOOL}/0/fifo`]: 'refused special-file',
      [`${SPOOL}/0/sock`]: 'refused special-file',
      [`${SPOOL}/0/null`]: 'refused special-file',
    });
    expect(changedSince(before)).toEqual([]);
  });

  it('a configuration whose spoolbase points at /etc: outside every tree, untouched', async () => {
    r = install({ spoolbase: '/etc' });
    const before = world();
    const x = await fixJson();
    expect(x.code).toBe(1);
    // A path outside every tree is never bound to a rule, so nothing is even planned for it: only reported.
    expect(x.rep.outcomes.filter((o) => o.outcome !== 'refused')).toEqual([]);
    expect(outcomeOf(x.rep)['/etc']).toBeUndefined();
    expect(x.rep.reported.some((f) => f.path === '/etc' && f.check === 'outside-tree')).toBe(true);
    expect(changedSince(before)).toEqual([]);
    expect(perms(r.h('/etc/passwd'))).toEqual({ uid: 0, gid: 0, mode: 0o644 });
  });

  it('the whole fix when a rules file is not root\'s alone (status 2, names the file)', async () => {
    r = install();
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    file(r.h('/etc/momentum-perms/local.rules'), ECUSER, ECGROUP, 0o644, '/var/spool/ecelerity/**  owner=root reason="planted"\n');
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const before = world();
    const x = await cli('fix', '--root', r.dir);
    expect(x.code).toBe(2);
    expect(x.err).toMatch(/error MP203: rules file \/etc\/momentum-perms\/local.rules is owned by uid 500/);
    expect(x.out).toBe('');
    expect(changedSince(before)).toEqual([]);
    expect(journals(r)).toEqual([]);
  });
});

describe('fix keeps what the kernel would drop', () => {
  it('a setuid binary keeps its bit across a needed chown where a rule allows it, and loses it where none does', async () => {
    r = install();
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644, '/opt/msys/ecelerity/sbin/ecelerity  group=root setid=allow  reason="test: setuid allowed"\n/opt/msys/ecelerity/sbin/other  group=root  reason="test: no setuid"\n');
    // root's binary with a wrong group: the chgrp the rule asks for clears the bit, the fix puts it back.
    file(r.h('/opt/msys/ecelerity/sbin/ecelerity'), 0, ECGROUP, 0o4755);
    file(r.h('/opt/msys/ecelerity/sbin/other'), 0, ORPHAN, 0o2755);
    // A deleted account's setuid file: its owner may have written it; it is not made root's in place.
    file(r.h('/opt/msys/ecelerity/sbin/orphaned'), ORPHAN, 0, 0o4755);
    const x = await fixJson();
    expect(outcomeOf(x.rep)).toEqual({
      '/opt/msys/ecelerity/sbin/ecelerity': 'fixed',
      '/opt/msys/ecelerity/sbin/other': 'fixed',
      '/opt/msys/ecelerity/sbin/orphaned': 'refused writable-content',
    });
    expect(perms(r.h('/opt/msys/ecelerity/sbin/ecelerity'))).toEqual({ uid: 0, gid: 0, mode: 0o4755 });
    expect(perms(r.h('/opt/msys/ecelerity/sbin/other'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
    expect(perms(r.h('/opt/msys/ecelerity/sbin/orphaned'))).toEqual({ uid: ORPHAN, gid: 0, mode: 0o4755 });
    expect(x.code).toBe(1);
  });

  it('a file capability when the ids already match (chmod only, no chown)', async () => {
    r = install();
    file(r.h('/opt/msys/ecelerity/sbin/bind'), 0, 0, 0o775);
    execFileSync('setcap', ['cap_net_bind_service+ep', r.h('/opt/msys/ecelerity/sbin/bind')]);
    const x = await fixJson();
    expect(outcomeOf(x.rep)).toEqual({ '/opt/msys/ecelerity/sbin/bind': 'fixed' });
    expect(perms(r.h('/opt/msys/ecelerity/sbin/bind'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
    expect(execFileSync('getcap', [r.h('/opt/msys/ecelerity/sbin/bind')], { encoding: 'utf8' })).toContain('cap_net_bind_service');
  });
});

describe('undo', () => {
  it('restores exactly what the fix changed, and finds nothing to do the second time', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chownSync(r.h('/opt/msys/ecelerity/etc/conf'), 0, 0);
    fs.chownSync(r.h('/opt/msys/ecelerity/etc/conf/default'), 0, 0);
    fs.chmodSync(r.h(CONF), 0o664);
    const before = world();
    const f = await fixJson();
    expect(f.rep.summary['fixed']).toBe(4);
    const journal = f.rep.journal as string;
    const u = await cli('undo', journal, '--root', r.dir);
    expect(u.code).toBe(0);
    expect(u.out).toContain('Restored 4 entries');
    expect(changedSince(before)).toEqual([]);
    const again = await cli('undo', journal, '--root', r.dir, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).summary).toMatchObject({ fixed: 0, unchanged: 4 });
  });

  it('leaves alone, and reports, an entry changed since the fix', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    fs.chmodSync(r.h(`${SPOOL}/0/m2`), 0o644);
    const f = await fixJson();
    fs.chmodSync(r.h(`${SPOOL}/0/m2`), 0o600);
    const u = await cli('undo', f.rep.journal as string, '--root', r.dir, '--json');
    expect(u.code).toBe(1);
    expect(outcomeOf(JSON.parse(u.out))).toEqual({ [`${SPOOL}/0/m1`]: 'fixed', [`${SPOOL}/0/m2`]: 'refused changed-during-fix' });
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o644);
    expect(perms(r.h(`${SPOOL}/0/m2`)).mode).toBe(0o600);
  });

  it('refuses a journal the service account could have written (status 2)', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const f = await fixJson();
    fs.chownSync(r.h(f.rep.journal as string), ECUSER, ECGROUP);
    const u = await cli('undo', f.rep.journal as string, '--root', r.dir);
    expect(u.code).toBe(2);
    expect(u.err).toContain('error MP302');
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o640);
  });
});

describe('lock', () => {
  it('a live holder makes fix exit 3 naming its pid; a stale lock is taken over', async () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    mkdir(r.h(STATE), 0, 0, 0o700);
    const holder = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(r.h(`${STATE}/lock`), `${holder.pid} ${processStart(holder.pid as number)}\n`, { mode: 0o600 });
      const x = await cli('fix', '--root', r.dir);
      expect(x.code).toBe(3);
      expect(x.err).toContain(`error MP301: another run holds the lock ${STATE}/lock: pid ${holder.pid}`);
      expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o644);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((res) => holder.once('exit', res));
    const y = await cli('fix', '--root', r.dir);
    expect(y.code).toBe(0);
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o640);
    expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(false);
  });
});

describe('root', () => {
  it('fix and undo refuse to run without root (status 2, MP304), changing nothing', () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const as = (...a: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...a], { encoding: 'utf8' });
    const f = as('fix', '--root', r.dir);
    expect([f.status, f.stderr]).toEqual([2, expect.stringContaining('error MP304')]);
    const u = as('undo', '/var/lib/momentum-perms/journal/x.jsonl', '--root', r.dir);
    expect([u.status, u.stderr]).toEqual([2, expect.stringContaining('error MP304')]);
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o644);
  });
});

describe('--since', () => {
  it('puts back a local choice the upgrade undid and the rules allow, and says what it compared', async () => {
    r = install();
    fs.chmodSync(r.h('/var/log/ecelerity/mainlog.ec'), 0o644); // a local choice: readable by a monitoring user
    expect((await cli('snapshot', '--root', r.dir, '--out', '/root/before.snap')).code).toBe(0);
    fs.chmodSync(r.h('/var/log/ecelerity/mainlog.ec'), 0o600); // the "upgrade" resets it; still compliant
    const x = await cli('fix', '--root', r.dir, '--since', '/root/before.snap');
    expect(x.out).toContain('Since the snapshot of');
    expect(perms(r.h('/var/log/ecelerity/mainlog.ec')).mode).toBe(0o644);
    expect(x.code).toBe(0);
  });
});
