/** The apply step's pure decision, table-driven: every refusal it can make, and when it lets a change go. */
import { describe, expect, it } from 'vitest';
import { atOrBelow, showTarget } from '../../src/fix/batch.js';
import { judge, type Seen, type Where } from '../../src/fix/judge.js';
import { aclDecides } from '../../src/fix/apply.js';
import type { ChangeRequest } from '../../src/fix/types.js';

const req = (o: Partial<ChangeRequest> = {}): ChangeRequest => ({
  path: '/t/d/f',
  tree: '/t',
  dev: 1,
  ino: 10,
  type: 'file',
  target: { uid: 500, gid: 500, mode: 0o640 },
  rule: 'r:1',
  expect: null,
  ...o,
});
const seen = (o: Partial<Seen> = {}): Seen => ({ dev: 1, ino: 10, type: 'file', nlink: 1, now: { uid: 0, gid: 0, mode: 0o644 }, ...o });
const where = (o: Partial<Where> = {}): Where => ({ treeDev: 1, crosses: false, userWritable: false, knownUserWritable: o.userWritable ?? false, parent: { uid: 500, gid: 500, mode: 0o750 }, hardlinksProtected: true, ...o });
const ROOT_DIR = { uid: 0, gid: 0, mode: 0o755 };
const kind = (r: ChangeRequest, s: Seen, w: Where): string => {
  const j = judge(r, s, w, showTarget);
  return j.kind === 'refused' ? j.reason : j.kind;
};

describe('judge', () => {
  it.each([
    ['the inode the walk saw, drifted', req(), seen(), where(), 'go'],
    ['another inode behind the name', req(), seen({ ino: 11 }), where(), 'changed-during-fix'],
    ['another device behind the name', req(), seen({ dev: 2 }), where(), 'changed-during-fix'],
    ['a symlink where a file was', req(), seen({ type: 'symlink' }), where(), 'symlink'],
    ['a FIFO where a file was', req(), seen({ type: 'fifo' }), where(), 'changed-during-fix'],
    ['on another device than the tree root', req({ dev: 2 }), seen({ dev: 2 }), where(), 'other-filesystem'],
    ['below a mount on the way', req(), seen(), where({ crosses: true }), 'other-filesystem'],
    ['the tree root itself (no tree device to compare)', req({ dev: 2 }), seen({ dev: 2 }), where({ treeDev: -1 }), 'go'],
    ['a second hard link made since the walk', req(), seen({ nlink: 2 }), where(), 'hardlinked'],
    ['a directory has many links', req({ type: 'dir' }), seen({ type: 'dir', nlink: 5 }), where(), 'go'],
    ['already as wanted', req(), seen({ now: { uid: 500, gid: 500, mode: 0o640 } }), where(), 'unchanged'],
    ['a parent a third account owns', req(), seen(), where({ parent: { uid: 501, gid: 0, mode: 0o755 } }), 'parent'],
    ['a parent its group may write', req(), seen(), where({ parent: { uid: 500, gid: 500, mode: 0o770 } }), 'parent'],
    ['setgid granted where the service account writes', req({ target: { uid: 500, gid: 500, mode: 0o2750 } }), seen(), where({ userWritable: true }), 'setid-in-user-tree'],
    ['setuid root on a file the service account owns', req({ target: { uid: 0, gid: 0, mode: 0o4755 } }), seen({ now: { uid: 500, gid: 0, mode: 0o4755 } }), where({ parent: { uid: 0, gid: 0, mode: 0o755 } }), 'setid-in-user-tree'],
    ['setuid kept on a root file in a root tree', req({ target: { uid: 0, gid: 0, mode: 0o4755 } }), seen({ now: { uid: 0, gid: 0, mode: 0o4775 } }), where({ parent: { uid: 0, gid: 0, mode: 0o755 } }), 'go'],
    // Laundering: made root's alone in place while another account can write it now.
    ['a service-owned binary chowned to root', req({ target: { uid: 0, gid: 0, mode: 0o755 } }), seen({ now: { uid: 500, gid: 500, mode: 0o755 } }), where({ parent: ROOT_DIR }), 'writable-content'],
    ['root:ecuser 0775 made 0755 (umask 002)', req({ target: { uid: 0, gid: 500, mode: 0o755 } }), seen({ now: { uid: 0, gid: 500, mode: 0o775 } }), where({ parent: ROOT_DIR }), 'writable-content'],
    ['a world-writable root file made 0644', req({ target: { uid: 0, gid: 0, mode: 0o644 } }), seen({ now: { uid: 0, gid: 0, mode: 0o666 } }), where({ parent: ROOT_DIR }), 'writable-content'],
    ['a world-writable root file left group-writable for its service group', req({ target: { uid: 0, gid: 500, mode: 0o664 } }), seen({ now: { uid: 0, gid: 500, mode: 0o666 } }), where({ parent: ROOT_DIR }), 'go'],
    ['root:root 0775 (group root) made 0755', req({ target: { uid: 0, gid: 0, mode: 0o755 } }), seen({ now: { uid: 0, gid: 0, mode: 0o775 } }), where({ parent: ROOT_DIR }), 'go'],
    ['a service-owned directory chowned to root', req({ type: 'dir', target: { uid: 0, gid: 0, mode: 0o755 } }), seen({ type: 'dir', now: { uid: 500, gid: 500, mode: 0o755 } }), where({ parent: ROOT_DIR }), 'go'],
    ['a service-owned file made root\'s below a directory the service writes', req({ target: { uid: 0, gid: 0, mode: 0o640 } }), seen({ now: { uid: 500, gid: 500, mode: 0o640 } }), where({ parent: ROOT_DIR, userWritable: true }), 'go'],
    // Hard links outliving their other name, where the kernel does not stop them.
    ['a root-only spool file handed over, protected_hardlinks off', req(), seen({ now: { uid: 0, gid: 0, mode: 0o600 } }), where({ hardlinksProtected: false }), 'hardlinks-unprotected'],
    ['the same with protected_hardlinks on', req(), seen({ now: { uid: 0, gid: 0, mode: 0o600 } }), where(), 'go'],
    ['group read added for the service group, protected_hardlinks off', req({ target: { uid: 0, gid: 500, mode: 0o640 } }), seen({ now: { uid: 0, gid: 500, mode: 0o600 } }), where({ parent: ROOT_DIR, hardlinksProtected: false }), 'hardlinks-unprotected'],
    ['a world-readable file handed over, protected_hardlinks off', req(), seen({ now: { uid: 0, gid: 0, mode: 0o644 } }), where({ hardlinksProtected: false }), 'go'],
    ['a mode tightened, protected_hardlinks off', req({ target: { uid: 500, gid: 500, mode: 0o600 } }), seen({ now: { uid: 500, gid: 500, mode: 0o640 } }), where({ hardlinksProtected: false }), 'go'],
    ['a directory handed over, protected_hardlinks off', req({ type: 'dir' }), seen({ type: 'dir', now: { uid: 0, gid: 0, mode: 0o700 } }), where({ hardlinksProtected: false }), 'go'],
  ] as const)('%s → %s', (_n, r, s, w, want) => expect(kind(r, s, w)).toBe(want));

  it('for undo, refuses an entry that is neither as the fix left it nor as before, saying what it is', () => {
    const r = req({ target: { uid: 0, gid: 0, mode: 0o644 }, expect: { uid: 500, gid: 500, mode: 0o640 } });
    const j = judge(r, seen({ now: { uid: 500, gid: 500, mode: 0o600 } }), where({ parent: { uid: 0, gid: 0, mode: 0o755 } }), showTarget);
    expect(j).toEqual({ kind: 'refused', reason: 'changed-during-fix', message: 'changed since the fix: now 500:500 0600, the fix left 500:500 0640' });
    expect(kind(r, seen({ now: { uid: 0, gid: 0, mode: 0o644 } }), where())).toBe('unchanged');
    // In a directory the service account writes, root's ownership there trusts nothing: put back.
    expect(kind(r, seen({ now: { uid: 500, gid: 500, mode: 0o640 } }), where({ parent: ROOT_DIR, userWritable: true }))).toBe('go');
    // Where root's files are trusted, what the service account could write since is not made root's again.
    expect(kind(r, seen({ now: { uid: 500, gid: 500, mode: 0o640 } }), where({ parent: ROOT_DIR }))).toBe('writable-content');
  });

  it('for undo, puts back an entry a fix left narrowed (stopped between its first chmod and its chown, or before its last chmod)', () => {
    // The fix: root:root 0775 → ecuser:ecuser 0752 (a directory), narrowing first to 0775 & 0752 = 0750.
    const r = req({ type: 'dir', target: { uid: 0, gid: 0, mode: 0o775 }, expect: { uid: 500, gid: 500, mode: 0o752 } });
    const dir = (now: { uid: number; gid: number; mode: number }) => seen({ type: 'dir', now });
    const w = where({ parent: ROOT_DIR });
    expect(kind(r, dir({ uid: 0, gid: 0, mode: 0o750 }), w)).toBe('go');
    expect(kind(r, dir({ uid: 500, gid: 500, mode: 0o750 }), w)).toBe('go');
    // Anything else is still refused: fewer bits than the narrowing, or the narrowed mode under a third owner.
    expect(kind(r, dir({ uid: 0, gid: 0, mode: 0o700 }), w)).toBe('changed-during-fix');
    expect(kind(r, dir({ uid: 501, gid: 0, mode: 0o750 }), w)).toBe('changed-during-fix');
    // A fix that took nothing away never narrowed: its before-state with fewer bits is not one of its states.
    const widen = req({ type: 'dir', target: { uid: 0, gid: 0, mode: 0o750 }, expect: { uid: 500, gid: 500, mode: 0o770 } });
    expect(kind(widen, dir({ uid: 0, gid: 0, mode: 0o700 }), w)).toBe('changed-during-fix');
  });

  it('for undo, puts back an entry a fix left between its chown and its last chmod, when it took nothing away', () => {
    // The fix: ecuser:ecuser 0750 → root:root 0755 (bits only added: no narrowing). Killed after the chown.
    const w = where({ parent: ROOT_DIR });
    for (const type of ['dir', 'file'] as const) {
      const r = req({ type, target: { uid: 500, gid: 500, mode: 0o750 }, expect: { uid: 0, gid: 0, mode: 0o755 } });
      expect(kind(r, seen({ type, now: { uid: 0, gid: 0, mode: 0o750 } }), w), type).toBe('go');
      // Not a state of that fix: another mode under the new owner, or the old mode under a third owner.
      expect(kind(r, seen({ type, now: { uid: 0, gid: 0, mode: 0o700 } }), w), type).toBe('changed-during-fix');
      expect(kind(r, seen({ type, now: { uid: 501, gid: 0, mode: 0o750 } }), w), type).toBe('changed-during-fix');
    }
    // root:root 04755 → root:ecuser 04755 (a group change): the chown cleared setuid (and setgid with group execute).
    const setid = req({ target: { uid: 0, gid: 0, mode: 0o6755 }, expect: { uid: 0, gid: 500, mode: 0o6755 } });
    expect(kind(setid, seen({ now: { uid: 0, gid: 500, mode: 0o755 } }), w)).toBe('go');
    expect(kind(setid, seen({ now: { uid: 0, gid: 500, mode: 0o6755 } }), w)).toBe('go');
    expect(kind(setid, seen({ now: { uid: 0, gid: 500, mode: 0o4755 } }), w)).toBe('changed-during-fix');
    // The owner of what a fix gave it, putting back a bit the fix took (sticky, kept until the last chmod, so a
    // state a stopped fix may leave): undo judges the grant from the fix's end as well, and still refuses it.
    const sticky = req({ type: 'dir', target: { uid: 0, gid: 0, mode: 0o1755 }, expect: { uid: 500, gid: 500, mode: 0o775 } });
    expect(kind(sticky, seen({ type: 'dir', now: { uid: 500, gid: 500, mode: 0o775 } }), w)).toBe('setid-in-user-tree');
    expect(kind(sticky, seen({ type: 'dir', now: { uid: 500, gid: 500, mode: 0o1755 } }), w)).toBe('setid-in-user-tree');
    // A directory keeps its setgid bit through a chown: the state is the old mode itself.
    const dirSetgid = req({ type: 'dir', target: { uid: 0, gid: 0, mode: 0o2755 }, expect: { uid: 0, gid: 500, mode: 0o2775 } });
    expect(kind(dirSetgid, seen({ type: 'dir', now: { uid: 0, gid: 500, mode: 0o2755 } }), w)).toBe('go');
    expect(kind(dirSetgid, seen({ type: 'dir', now: { uid: 0, gid: 500, mode: 0o755 } }), w)).toBe('changed-during-fix');
  });
});

describe('aclDecides: when the fix reads an entry\'s access ACL (a getxattr)', () => {
  it.each([
    ['a spool file root:root 0660 handed to ecuser', { uid: 0, gid: 0, mode: 0o660 }, { uid: 500, gid: 500, mode: 0o640 }, 'file', false],
    ['root:root 0775 made 0755 (laundering: may another account write it now?)', { uid: 0, gid: 0, mode: 0o775 }, { uid: 0, gid: 0, mode: 0o755 }, 'file', true],
    ['ecuser:root 0775 made root:root 0755 (its owner writes it anyway)', { uid: 500, gid: 0, mode: 0o775 }, { uid: 0, gid: 0, mode: 0o755 }, 'file', false],
    ['a directory root:root 0775 made 0755 (not laundering)', { uid: 0, gid: 0, mode: 0o775 }, { uid: 0, gid: 0, mode: 0o755 }, 'dir', false],
    ['setuid granted to a root:root 0664 target', { uid: 0, gid: 0, mode: 0o644 }, { uid: 0, gid: 0, mode: 0o4664 }, 'file', true],
    ['setuid granted, nothing in root\'s group with write', { uid: 0, gid: 0, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o4755 }, 'file', false],
    ['a link', { uid: 0, gid: 0, mode: 0o777 }, { uid: 0, gid: 0, mode: 0o755 }, 'symlink', false],
  ] as const)('%s', (_n, now, target, type, want) => expect(aclDecides(now, target, type)).toBe(want));
});

describe('atOrBelow', () => {
  it.each([
    ['/a/b', ['/a'], true],
    ['/a/b', ['/a/b'], true],
    ['/a/b', ['/a/c'], false],
    ['/ab', ['/a'], false],
    ['/a', ['/'], true],
    ['/', ['/'], true],
    ['/a', [], false],
  ] as const)('%s under %j: %s', (dir, dirs, want) => expect(atOrBelow(dir, new Set(dirs))).toBe(want));
});
