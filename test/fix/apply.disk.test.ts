/**
 * The apply step on the real filesystem, as root, with each attack set up for real. Requests are captured
 * before the attack (the walk's view), then the disk is changed under them, then they are applied.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Applier, BATCH_AGE_MS } from '../../src/fix/apply.js';
import { JournalWriter } from '../../src/fix/journal.js';
import { openState } from '../../src/io/state.js';
import { makeRoot } from '../../src/io/fs.js';
import { nativeFs } from '../../src/io/native.js';
import type { ChangeRequest } from '../../src/fix/types.js';
import type { Outcome } from '../../src/types.js';
import {
  applyRequests,
  type ApplyRun,
  changed,
  ECGROUP,
  ECUSER,
  file,
  mkdir,
  ORPHAN,
  OTHER,
  perms,
  requestFor,
  SERVICE,
  snapshot,
  snapshotEtc,
  tempRoot,
  type TempRoot,
} from './helpers.js';

/**
 * python3 -c ACL_PY PATH UID set|get: `set` gives UID rwx through an access ACL (mask rwx); both print the
 * ACL's entries as [tag, perm] (0x10: the mask). Node has no xattr calls.
 */
const ACL_PY = `
import os, struct, sys, json
p, uid, op = sys.argv[1], int(sys.argv[2]), sys.argv[3]
e = lambda tag, perm, id=0xffffffff: struct.pack('<HHI', tag, perm, id)
if op == 'set':
    os.setxattr(p, 'system.posix_acl_access', struct.pack('<I', 2) + e(1, 7) + e(2, 7, uid) + e(4, 5) + e(0x10, 7) + e(0x20, 5))
b = os.getxattr(p, 'system.posix_acl_access')
print(json.dumps([list(struct.unpack('<HHI', b[4 + i * 8:12 + i * 8])[:2]) for i in range((len(b) - 4) // 8)]))
`;

const SPOOL = '/var/spool/ecelerity';
const OPT = '/opt/msys/ecelerity';
const EC = { uid: ECUSER, gid: ECGROUP, mode: 0o640 };

let r: TempRoot;

beforeEach(() => {
  r = tempRoot();
  mkdir(r.h('/var/spool'), 0, 0, 0o755);
  mkdir(r.h(SPOOL), ECUSER, ECGROUP, 0o750);
  mkdir(r.h(SPOOL + '/A'), ECUSER, ECGROUP, 0o750);
  mkdir(r.h('/outside'), 0, 0, 0o755);
  file(r.h('/outside/secret'), 0, 0, 0o600, 'root:$6$secret\n');
  mkdir(r.h(OPT + '/sbin'), 0, 0, 0o755);
  mkdir(r.h('/var/lib/momentum-perms'), 0, 0, 0o700);
});
afterEach(() => r.cleanup());

/** Run requests through an Applier with a journal in the temp root's state directory. */
function apply(reqs: ChangeRequest[], o: ApplyRun = {}): Outcome[] {
  return applyRequests(r, reqs, o);
}

/**
 * An Applier over `r` whose outcomes go to `outcome`, with a journal in the state directory: `body` drives it,
 * then what it holds is let go and closed whatever `body` threw. Returns it, for its summary.
 */
function withApplier(outcome: (o: Outcome) => void, body: (a: Applier) => void): Applier {
  const state = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
  let j: JournalWriter | undefined;
  const header = { journal: 'momentum-perms', version: 1, command: 'fix', root: r.dir, time: '', pid: process.pid, service: SERVICE } as const;
  const a = new Applier({ rootDir: r.dir, dryRun: false, journal: () => (j ??= JournalWriter.create(state.journals().fd, 'j.jsonl', '/j.jsonl', header)), sink: { outcome } });
  try {
    body(a);
  } finally {
    a.abandon();
    j?.close();
    state.close();
  }
  return a;
}

/** Outcome (and refusal reason) by path: refusals are reported at once, changes when their batch is applied. */
function byPath(out: Outcome[]): Record<string, string[]> {
  return Object.fromEntries(out.map((o) => [o.path, o.reason ? [o.outcome, o.reason] : [o.outcome]]));
}

/** Everything in the temp root and /etc, to compare after an attack. */
function world(): { root: ReturnType<typeof snapshot>; etc: ReturnType<typeof snapshotEtc> } {
  return { root: snapshot(r.dir), etc: snapshotEtc() };
}

function onlyChanged(before: ReturnType<typeof world>, paths: string[]): void {
  const after = world();
  expect(changed(before.root, after.root).filter((p) => !p.includes('/var/lib/momentum-perms'))).toEqual(paths.map((p) => r.h(p)).sort());
  expect(changed(before.etc, after.etc)).toEqual([]);
}

describe('apply: ordinary changes', () => {
  it('chowns and chmods through /proc/self/fd and reads back', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const w = world();
    const out = apply([requestFor(r, SPOOL + '/A/m1', SPOOL, EC)]);
    expect(out.map((o) => [o.outcome, o.message])).toEqual([['fixed', 'fixed']]);
    expect(perms(r.h(SPOOL + '/A/m1'))).toEqual(EC);
    onlyChanged(w, [SPOOL + '/A/m1']);
  });

  it('applies a batch that fills slowly once it is some milliseconds old, not only when full (native path)', () => {
    // One drifted entry in each of twelve directories, one every 10 ms of a clock the test turns.
    const paths = Array.from({ length: 12 }, (_, i) => `${SPOOL}/A/d${i}/m`);
    for (const p of paths) {
      mkdir(r.h(path.dirname(p)), ECUSER, ECGROUP, 0o750);
      file(r.h(p), 0, 0, 0o640);
    }
    const reqs = paths.map((p) => requestFor(r, p, SPOOL, EC));
    let now = 0;
    let applied = 0;
    const out = apply(reqs, { clock: () => now, between: () => void (now += 10), beforeApply: () => void applied++ });
    expect(out.filter((o) => o.outcome === 'fixed')).toHaveLength(paths.length);
    // Natively: applied each time the batch grew older than BATCH_AGE_MS, the rest at the end (110 ms of entries
    // in batches of at most 30 ms); on the pure-JS path each batch waits to be full, or the end, as before.
    expect(BATCH_AGE_MS).toBeLessThan(30);
    if (nativeFs() !== null) expect(applied).toBeGreaterThanOrEqual(3);
    else expect(applied).toBe(1);
  });

  it('never looks up a name the walk cannot produce ("", ".", ".."), in a group with names it can: refused, the rest changed', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    file(r.h(SPOOL + '/A/m2'), 0, 0, 0o644);
    const good = ['/A/m1', '/A/m2'].map((p) => requestFor(r, SPOOL + p, SPOOL, EC));
    // "." and ".." would name the directory and its parent (each request as the walk would have made it for them,
    // so that only the name stops it), "" nothing.
    const dir = requestFor(r, SPOOL + '/A', SPOOL, EC);
    const up = requestFor(r, SPOOL, SPOOL, EC);
    const bad = [{ ...dir, path: `${SPOOL}/A/.` }, { ...up, path: `${SPOOL}/A/..` }, { ...dir, path: `${SPOOL}/A/` }];
    const before = [perms(r.h(SPOOL)), perms(r.h(SPOOL + '/A'))];
    const out = apply([good[0] as ChangeRequest, ...bad, good[1] as ChangeRequest]);
    expect(out.filter((o) => o.outcome === 'refused').map((o) => [o.path, o.reason])).toEqual(bad.map((b) => [b.path, 'changed-during-fix']));
    expect(out.filter((o) => o.outcome === 'fixed').map((o) => o.path).sort()).toEqual([`${SPOOL}/A/m1`, `${SPOOL}/A/m2`]);
    expect([perms(r.h(SPOOL)), perms(r.h(SPOOL + '/A'))]).toEqual(before);
    expect(perms(r.h(SPOOL + '/A/m2'))).toEqual(EC);
  });

  it('fails a name no lookup takes (4,095 bytes or more: only an edited journal gives one) as the kernel would, on both paths, the rest of its group changed', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    file(r.h(SPOOL + '/A/m2'), 0, 0, 0o644);
    const good = ['/A/m1', '/A/m2'].map((p) => requestFor(r, SPOOL + p, SPOOL, EC));
    // 300 bytes: the kernel's ENAMETOOLONG; 5,000: past what the native helpers take at all.
    const long = [300, 5000].map((n) => ({ ...(good[0] as ChangeRequest), path: `${SPOOL}/A/${'x'.repeat(n)}` }));
    // A directory of 5,000 bytes on the way; and one made only after the request came (its directory could not be
    // opened then: looked up again when the request is judged).
    const deep = { ...(good[0] as ChangeRequest), path: `${SPOOL}/${'d'.repeat(5000)}/m1` };
    const late = { ...(good[0] as ChangeRequest), path: `${SPOOL}/X/${'x'.repeat(5000)}` };
    let calls = 0;
    // Made after `late` was queued (its directory gone then), before its group is pinned.
    const between = (): void => void (++calls === 5 && fs.mkdirSync(r.h(SPOOL + '/X')));
    const out = apply([good[0] as ChangeRequest, ...long, deep, late, good[1] as ChangeRequest], { between });
    const failed = out.filter((o) => o.outcome === 'failed' && o.path !== late.path);
    expect(failed.map((o) => [o.path, o.errno]).sort()).toEqual([...long, deep].map((l) => [l.path, 'ENAMETOOLONG']).sort());
    // Natively it waits with its group and is looked up once the directory is there; the pure-JS path judges it as it comes.
    const lateOut = out.find((o) => o.path === late.path);
    if (nativeFs() !== null) expect([lateOut?.outcome, lateOut?.errno]).toEqual(['failed', 'ENAMETOOLONG']);
    else expect([lateOut?.outcome, lateOut?.message]).toEqual(['unchanged', `vanished before it could be fixed (${SPOOL}/X)`]);
    expect(failed.find((o) => o.path === deep.path)?.message).toBe(`cannot open ${SPOOL}/${'d'.repeat(5000)}: ENAMETOOLONG`);
    expect(out.filter((o) => o.outcome === 'fixed').map((o) => o.path).sort()).toEqual([`${SPOOL}/A/m1`, `${SPOOL}/A/m2`]);
  });

  it('reports an entry already as wanted as unchanged, and a vanished one too', () => {
    file(r.h(SPOOL + '/A/ok'), ECUSER, ECGROUP, 0o640);
    file(r.h(SPOOL + '/A/gone'), 0, 0, 0o644);
    const reqs = [requestFor(r, SPOOL + '/A/ok', SPOOL, EC), requestFor(r, SPOOL + '/A/gone', SPOOL, EC)];
    fs.unlinkSync(r.h(SPOOL + '/A/gone'));
    const out = apply(reqs);
    expect(out.map((o) => o.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(out[1]?.message).toMatch(/vanished/);
  });

  it('an id no system call takes is a bug: the run stops with it, after saying what a first step made', () => {
    // 2^32 + 7: the native batch refuses it before anything is changed; on the pure-JS path Node's chown refuses
    // it (ERR_OUT_OF_RANGE) after the narrowing chmod (0644 → 0600) was made, which is reported as failed.
    mkdir(r.h(OPT + '/t'), 0, 0, 0o755);
    file(r.h(OPT + '/t/f'), 0, 0, 0o644);
    const seen: Outcome[] = [];
    withApplier((o) => void seen.push(o), (a) => {
      expect(() => {
        a.submit(requestFor(r, OPT + '/t/f', OPT, { uid: 2 ** 32 + 7, gid: 0, mode: 0o600 }));
        a.close();
      }).toThrow(/out of range|ERR_OUT_OF_RANGE/);
    });
    if (nativeFs() !== null) {
      expect(seen).toEqual([]);
      expect(perms(r.h(OPT + '/t/f')).mode).toBe(0o644);
    } else {
      expect(seen.map((o) => [o.outcome, o.errno, o.message])).toEqual([['failed', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE while changing 0:0 0644 → 4294967303:0 0600; now 0:0 0600']]);
      expect(perms(r.h(OPT + '/t/f')).mode).toBe(0o600);
    }
  });

  it('a bug later in a batch is thrown over an earlier report error (pure JS: the rest of the batch made; natively: the batch refused whole)', () => {
    mkdir(r.h(OPT + '/t'), 0, 0, 0o755);
    for (const n of ['a', 'b', 'c']) file(r.h(`${OPT}/t/${n}`), 0, 0, 0o644);
    const T = { uid: 0, gid: 0, mode: 0o600 };
    // A report to a closed pipe: every outcome fails to be written.
    const a = withApplier(() => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); }, (a) => {
      expect(() => {
        a.submit(requestFor(r, OPT + '/t/a', OPT, T));
        a.submit(requestFor(r, OPT + '/t/b', OPT, { uid: 2 ** 32 + 7, gid: 0, mode: 0o600 }));
        a.submit(requestFor(r, OPT + '/t/c', OPT, T));
        a.close();
      }).toThrow(/out of range|ERR_OUT_OF_RANGE/);
    });
    const native = nativeFs() !== null;
    expect(a.summary).toMatchObject(native ? { fixed: 0, failed: 0 } : { fixed: 2, failed: 1 });
    expect([perms(r.h(`${OPT}/t/a`)).mode, perms(r.h(`${OPT}/t/c`)).mode]).toEqual(native ? [0o644, 0o644] : [0o600, 0o600]);
  });

  it('changes nothing in a dry run', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const w = world();
    const out = apply([requestFor(r, SPOOL + '/A/m1', SPOOL, EC)], { dryRun: true });
    expect(out.map((o) => o.message)).toEqual(['planned']);
    onlyChanged(w, []);
    expect(fs.existsSync(r.h('/var/lib/momentum-perms/journal/j.jsonl'))).toBe(false);
  });
});

describe('apply: attacks', () => {
  it('refuses a hard link to a root-only file outside the tree, made after the walk', () => {
    file(r.h(SPOOL + '/A/m1'), ECUSER, ECGROUP, 0o600);
    const req = requestFor(r, SPOOL + '/A/m1', SPOOL, EC);
    // Between walk and fix: the file is replaced by a link to the secret (another inode) …
    fs.unlinkSync(r.h(SPOOL + '/A/m1'));
    fs.linkSync(r.h('/outside/secret'), r.h(SPOOL + '/A/m1'));
    // … and another spool file gains a second name (same inode as the walk saw, nlink now 2).
    file(r.h(SPOOL + '/A/m2'), 0, 0, 0o644);
    const req2 = requestFor(r, SPOOL + '/A/m2', SPOOL, EC);
    fs.linkSync(r.h(SPOOL + '/A/m2'), r.h('/outside/m2-link'));
    const w = world();
    const out = apply([req, req2]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([
      ['refused', 'changed-during-fix'],
      ['refused', 'hardlinked'],
    ]);
    onlyChanged(w, []);
    expect(perms(r.h('/outside/secret'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });

  it('refuses a symlink swapped in for a file', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const req = requestFor(r, SPOOL + '/A/m1', SPOOL, EC);
    fs.unlinkSync(r.h(SPOOL + '/A/m1'));
    fs.symlinkSync('../../../../outside/secret', r.h(SPOOL + '/A/m1'));
    const w = world();
    const out = apply([req]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([['refused', 'symlink']]);
    onlyChanged(w, []);
  });

  it('refuses a symlink swapped in for a directory on the way', () => {
    mkdir(r.h(SPOOL + '/A/B'), ECUSER, ECGROUP, 0o750);
    file(r.h(SPOOL + '/A/B/secret'), 0, 0, 0o644);
    const req = requestFor(r, SPOOL + '/A/B/secret', SPOOL, EC);
    fs.renameSync(r.h(SPOOL + '/A/B'), r.h(SPOOL + '/A/B.old'));
    fs.symlinkSync(r.h('/outside'), r.h(SPOOL + '/A/B'));
    const w = world();
    const out = apply([req]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([['refused', 'symlink']]);
    expect(out[0]?.message).toContain(`${SPOOL}/A/B is a symbolic link`);
    onlyChanged(w, []);
  });

  it('refuses what sits in a parent directory swapped mid-fix, and fixes only inodes the walk saw', () => {
    for (const d of ['B', 'C']) {
      mkdir(r.h(`${SPOOL}/A/${d}`), ECUSER, ECGROUP, 0o750);
      file(r.h(`${SPOOL}/A/${d}/m1`), 0, 0, 0o644);
      file(r.h(`${SPOOL}/A/${d}/m2`), 0, 0, 0o644);
    }
    const reqs = ['B/m1', 'B/m2', 'C/m1'].map((p) => requestFor(r, `${SPOOL}/A/${p}`, SPOOL, EC));
    let swaps = 0;
    const w = world();
    const out = apply(reqs, {
      between: () => {
        if (swaps++ > 0) return;
        // After B/m1 is handled, B and C are moved away and look-alikes take their places, each holding a
        // link to the secret under the names still to come.
        for (const d of ['B', 'C']) {
          fs.renameSync(r.h(`${SPOOL}/A/${d}`), r.h(`${SPOOL}/A/${d}.old`));
          mkdir(r.h(`${SPOOL}/A/${d}`), ECUSER, ECGROUP, 0o750);
          fs.linkSync(r.h('/outside/secret'), r.h(`${SPOOL}/A/${d}/${d === 'B' ? 'm2' : 'm1'}`));
        }
      },
    });
    // B was already open: m2 is looked up in the directory the walk went through (now B.old) and its own
    // inode is fixed. C is opened after the swap: the look-alike's m1 is another inode and is refused.
    expect(byPath(out)).toEqual({
      [`${SPOOL}/A/B/m1`]: ['fixed'],
      [`${SPOOL}/A/B/m2`]: ['fixed'],
      [`${SPOOL}/A/C/m1`]: ['refused', 'changed-during-fix'],
    });
    expect(perms(r.h(SPOOL + '/A/B.old/m1'))).toEqual(EC);
    expect(perms(r.h(SPOOL + '/A/B.old/m2'))).toEqual(EC);
    expect(perms(r.h(SPOOL + '/A/C.old/m1'))).toEqual({ uid: 0, gid: 0, mode: 0o644 });
    expect(perms(r.h('/outside/secret'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
    expect(changed(w.etc, snapshotEtc())).toEqual([]);
  });

  it('changes the pinned inode when the parent is swapped between journaling and applying', () => {
    mkdir(r.h(SPOOL + '/A/B'), ECUSER, ECGROUP, 0o750);
    file(r.h(SPOOL + '/A/B/m1'), 0, 0, 0o644);
    const req = requestFor(r, SPOOL + '/A/B/m1', SPOOL, EC);
    const out = apply([req], {
      beforeApply: () => {
        fs.renameSync(r.h(SPOOL + '/A/B'), r.h(SPOOL + '/A/B.old'));
        fs.symlinkSync(r.h('/outside'), r.h(SPOOL + '/A/B'));
        fs.linkSync(r.h('/outside/secret'), r.h('/outside/m1'));
      },
    });
    expect(out.map((o) => o.outcome)).toEqual(['fixed']);
    expect(perms(r.h(SPOOL + '/A/B.old/m1'))).toEqual(EC);
    expect(perms(r.h('/outside/secret'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });

  /**
   * ecuser's directory (group `gid`), to become root's with the mode it already has; `meddle` runs between the
   * judging and the change. The change must leave it exactly `root:root 0755`.
   */
  function ownerMeddles(gid: number, meddle: (dir: string) => void): string {
    const dir = r.h(OPT + '/plugins');
    mkdir(dir, ECUSER, gid, 0o755);
    const out = apply([requestFor(r, OPT + '/plugins', OPT, { uid: 0, gid: 0, mode: 0o755 })], { beforeApply: () => meddle(dir) });
    expect(byPath(out)).toEqual({ [`${OPT}/plugins`]: ['fixed'] });
    expect(perms(dir)).toEqual({ uid: 0, gid: 0, mode: 0o755 });
    return dir;
  }

  it('sets the mode after every chown: a setgid bit the old owner set meanwhile does not outlast it', () => {
    // ecuser itself sets the setgid bit and group write (a chown keeps both on a directory). Opened by root
    // (the temporary root is root's alone), changed as ecuser: fchmod checks the owner only.
    const asEcuser = `import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\nos.setgroups([]); os.setgid(${ECGROUP}); os.setuid(${ECUSER})\nos.fchmod(fd, 0o2775)`;
    ownerMeddles(ECGROUP, (dir) => void execFileSync('/usr/bin/python3', ['-c', asEcuser, dir]));
  });

  it('sets the mode after every chown: an ACL the old owner added meanwhile keeps only what the target mode allows', () => {
    // An access ACL giving ecuser rwx; the group bits show its mask (0775).
    const acl = (p: string, set: boolean): number[][] =>
      JSON.parse(execFileSync('/usr/bin/python3', ['-c', ACL_PY, p, String(ECUSER), set ? 'set' : 'get'], { encoding: 'utf8' })) as number[][];
    const dir = ownerMeddles(0, (d) => void acl(d, true));
    // The ACL's mask is the target's group bits now: ecuser's own entry gives it r-x at most.
    expect(acl(dir, false)).toContainEqual([0x10, 5]);
  });

  it('never opens a FIFO for reading: refused unless a rule names it, changed without blocking when one does', () => {
    execFileSync('mkfifo', [r.h(SPOOL + '/A/fifo')]);
    fs.chmodSync(r.h(SPOOL + '/A/fifo'), 0o644);
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const asFile = requestFor(r, SPOOL + '/A/m1', SPOOL, EC);
    fs.unlinkSync(r.h(SPOOL + '/A/m1'));
    execFileSync('mkfifo', [r.h(SPOOL + '/A/m1')]);
    const w = world();
    const out = apply([asFile, requestFor(r, SPOOL + '/A/fifo', SPOOL, EC)]);
    expect(byPath(out)).toEqual({
      [`${SPOOL}/A/m1`]: ['refused', 'changed-during-fix'],
      [`${SPOOL}/A/fifo`]: ['fixed'],
    });
    onlyChanged(w, [SPOOL + '/A/fifo']);
  });

  it('changes a socket and a device node through O_PATH, and refuses a device swapped in for a file', () => {
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', r.h(SPOOL + '/A/sock')]);
    execFileSync('mknod', [r.h(SPOOL + '/A/null'), 'c', '1', '3']);
    fs.chmodSync(r.h(SPOOL + '/A/null'), 0o666);
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const asFile = requestFor(r, SPOOL + '/A/m1', SPOOL, EC);
    fs.unlinkSync(r.h(SPOOL + '/A/m1'));
    execFileSync('mknod', [r.h(SPOOL + '/A/m1'), 'c', '1', '3']);
    const w = world();
    const out = apply([requestFor(r, SPOOL + '/A/sock', SPOOL, EC), requestFor(r, SPOOL + '/A/null', SPOOL, EC), asFile]);
    expect(byPath(out)).toEqual({
      [`${SPOOL}/A/sock`]: ['fixed'],
      [`${SPOOL}/A/null`]: ['fixed'],
      [`${SPOOL}/A/m1`]: ['refused', 'changed-during-fix'],
    });
    onlyChanged(w, [SPOOL + '/A/sock', SPOOL + '/A/null']);
    expect(fs.lstatSync(r.h(SPOOL + '/A/null')).isCharacterDevice()).toBe(true);
  });

  it('keeps a setuid bit across a needed chown where the target keeps it', () => {
    // root's binary with a wrong group: the chgrp clears the bit, the chmod after it puts it back.
    file(r.h(OPT + '/sbin/ecelerity'), 0, OTHER, 0o4755);
    const w = world();
    const out = apply([requestFor(r, OPT + '/sbin/ecelerity', OPT, { uid: 0, gid: 0, mode: 0o4755 })]);
    expect(out.map((o) => o.outcome)).toEqual(['fixed']);
    expect(perms(r.h(OPT + '/sbin/ecelerity'))).toEqual({ uid: 0, gid: 0, mode: 0o4755 });
    onlyChanged(w, [OPT + '/sbin/ecelerity']);
  });

  it('refuses to carry a setuid bit from another owner to root (whoever owned it may have written it)', () => {
    file(r.h(OPT + '/sbin/ecelerity'), ORPHAN, OTHER, 0o4755);
    const w = world();
    const out = apply([requestFor(r, OPT + '/sbin/ecelerity', OPT, { uid: 0, gid: 0, mode: 0o4755 })]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([['refused', 'setid-in-user-tree']]);
    onlyChanged(w, []);
  });

  it('drops a setuid bit the target does not keep, although chown alone clears it', () => {
    file(r.h(OPT + '/sbin/tool'), 0, ORPHAN, 0o4755);
    apply([requestFor(r, OPT + '/sbin/tool', OPT, { uid: 0, gid: 0, mode: 0o755 })]);
    expect(perms(r.h(OPT + '/sbin/tool'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
  });

  it('refuses to grant setuid, setgid or sticky where the service account can write', () => {
    // The file is ecuser's: ecuser wrote its content, setuid root would run it as root.
    file(r.h(OPT + '/sbin/planted'), ECUSER, ECGROUP, 0o4755);
    // A directory on the way is ecuser's: ecuser can swap what gets the bit.
    mkdir(r.h(OPT + '/sbin/lib'), ECUSER, 0, 0o755);
    mkdir(r.h(OPT + '/sbin/lib/x'), 0, 0, 0o755);
    file(r.h(OPT + '/sbin/lib/x/helper'), 0, 0, 0o755);
    // The spool is ecuser's: setgid on a spool directory is granted nowhere.
    const w = world();
    const out = apply([
      requestFor(r, OPT + '/sbin/planted', OPT, { uid: 0, gid: 0, mode: 0o4755 }),
      requestFor(r, OPT + '/sbin/lib/x/helper', OPT, { uid: 0, gid: 0, mode: 0o4755 }),
      requestFor(r, SPOOL + '/A', SPOOL, { uid: ECUSER, gid: ECGROUP, mode: 0o2750 }),
    ]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([
      ['refused', 'setid-in-user-tree'],
      ['refused', 'setid-in-user-tree'],
      ['refused', 'setid-in-user-tree'],
    ]);
    onlyChanged(w, []);
  });

  it('keeps a file capability when the ids already match (no chown)', () => {
    file(r.h(OPT + '/sbin/bind'), 0, 0, 0o755);
    execFileSync('setcap', ['cap_net_bind_service+ep', r.h(OPT + '/sbin/bind')]);
    const out = apply([requestFor(r, OPT + '/sbin/bind', OPT, { uid: 0, gid: 0, mode: 0o750 })]);
    expect(out.map((o) => o.outcome)).toEqual(['fixed']);
    expect(perms(r.h(OPT + '/sbin/bind'))).toEqual({ uid: 0, gid: 0, mode: 0o750 });
    expect(execFileSync('getcap', [r.h(OPT + '/sbin/bind')], { encoding: 'utf8' })).toContain('cap_net_bind_service');
  });

  it('refuses an entry whose directory a third account can write', () => {
    mkdir(r.h(SPOOL + '/byother'), OTHER, OTHER, 0o755);
    file(r.h(SPOOL + '/byother/m'), 0, 0, 0o644);
    mkdir(r.h(SPOOL + '/groupw'), ECUSER, OTHER, 0o770);
    file(r.h(SPOOL + '/groupw/m'), 0, 0, 0o644);
    mkdir(r.h(SPOOL + '/worldw'), ECUSER, ECGROUP, 0o1777);
    file(r.h(SPOOL + '/worldw/m'), 0, 0, 0o644);
    mkdir(r.h(SPOOL + '/mine'), ECUSER, ECGROUP, 0o700);
    file(r.h(SPOOL + '/mine/m'), 0, 0, 0o644);
    const w = world();
    const out = apply(['byother', 'groupw', 'worldw', 'mine'].map((d) => requestFor(r, `${SPOOL}/${d}/m`, SPOOL, EC)));
    expect(byPath(out)).toEqual({
      [`${SPOOL}/byother/m`]: ['refused', 'unsafe-parent'],
      [`${SPOOL}/groupw/m`]: ['refused', 'unsafe-parent'],
      [`${SPOOL}/worldw/m`]: ['refused', 'unsafe-parent'],
      [`${SPOOL}/mine/m`]: ['fixed'],
    });
    onlyChanged(w, [SPOOL + '/mine/m']);
  });

  it('refuses what lies on another filesystem than the tree root', () => {
    mkdir(r.h(SPOOL + '/mnt'), ECUSER, ECGROUP, 0o750);
    r.tmpfs(r.h(SPOOL + '/mnt'));
    file(r.h(SPOOL + '/mnt/m'), 0, 0, 0o644);
    mkdir(r.h(SPOOL + '/mnt/sub'), 0, 0, 0o755);
    const w = world();
    const out = apply([
      requestFor(r, SPOOL + '/mnt/m', SPOOL, EC),
      requestFor(r, SPOOL + '/mnt/sub', SPOOL, { uid: ECUSER, gid: ECGROUP, mode: 0o750 }),
      requestFor(r, SPOOL + '/mnt', SPOOL, { uid: ECUSER, gid: ECGROUP, mode: 0o750 }),
    ]);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([
      ['refused', 'other-filesystem'],
      ['refused', 'other-filesystem'],
      ['refused', 'other-filesystem'],
    ]);
    onlyChanged(w, []);
  });

  it('changes a symlink itself (never its target) when a rule names it, and never chmods it', () => {
    fs.symlinkSync('../../../../outside/secret', r.h(SPOOL + '/A/link'));
    const req = requestFor(r, SPOOL + '/A/link', SPOOL, { uid: ECUSER, gid: ECGROUP, mode: 0o640 });
    const w = world();
    const out = apply([req]);
    expect(out.map((o) => o.outcome)).toEqual(['fixed']);
    expect(fs.lstatSync(r.h(SPOOL + '/A/link')).uid).toBe(ECUSER);
    onlyChanged(w, [SPOOL + '/A/link']);
  });

  it('fixes a directory before judging its children against it', () => {
    mkdir(r.h(OPT + '/bin'), ECUSER, ECGROUP, 0o775);
    file(r.h(OPT + '/bin/ec_ctl'), 0, ECGROUP, 0o755);
    const out = apply([
      requestFor(r, OPT + '/bin', OPT, { uid: 0, gid: 0, mode: 0o755 }),
      requestFor(r, OPT + '/bin/ec_ctl', OPT, { uid: 0, gid: 0, mode: 0o755 }),
    ]);
    expect(out.map((o) => o.outcome)).toEqual(['fixed', 'fixed']);
    expect(perms(r.h(OPT + '/bin/ec_ctl'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
  });

  it('journals every change before making it', () => {
    file(r.h(SPOOL + '/A/m1'), 0, 0, 0o644);
    const req = requestFor(r, SPOOL + '/A/m1', SPOOL, EC);
    let seen = '';
    apply([req], {
      beforeApply: () => {
        seen = fs.readFileSync(r.h('/var/lib/momentum-perms/journal/j.jsonl'), 'utf8');
        expect(perms(r.h(SPOOL + '/A/m1'))).toEqual({ uid: 0, gid: 0, mode: 0o644 });
      },
    });
    const lines = seen.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] as string)).toEqual({
      path: SPOOL + '/A/m1',
      dev: req.dev,
      ino: req.ino,
      before: { uid: 0, gid: 0, mode: 0o644 },
      after: EC,
      type: 'file',
      tree: SPOOL,
    });
    const st = fs.statSync(r.h('/var/lib/momentum-perms/journal/j.jsonl'));
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
    expect(path.basename(r.h('/var/lib/momentum-perms/journal'))).toBe('journal');
    expect(fs.statSync(r.h('/var/lib/momentum-perms/journal')).mode & 0o777).toBe(0o700);
  });
});
