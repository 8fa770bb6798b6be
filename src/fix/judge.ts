/**
 * The apply step's decision on one pinned entry, as a pure function: what fstat says of the inode behind
 * the name and of the directories above it in, go / unchanged / refused out. Each refusal names its attack.
 */
import type { ReachError } from './access.js';
import { octal, type EntryType, type Outcome, type RefusalReason, type Target } from '../types.js';
import { grantsSetid, launders, narrowing, opensToOthers, parentUnsafe, type Perms, sameValues, writableByNonRoot } from './safety.js';
import { S_ISGID, S_ISUID, type ChangeRequest } from './types.js';
import { aclUnreadWhy, type AclWrite } from '../io/acl.js';
import { withoutAcl } from '../io/trust.js';

/** What fstat said of the pinned inode. */
export interface Seen {
  dev: number;
  ino: number;
  type: EntryType;
  nlink: number;
  now: Target;
  /**
   * What its access ACL says of write by other accounts than root (io/acl.ts), read where it decides who may
   * write the entry now or as the change leaves it (a chmod sets the ACL's mask, never its named entries).
   */
  acl?: AclWrite;
}

/** What the open directories say about where the entry is. */
export interface Where {
  /** Device of the tree root, or -1 when the entry is the tree root itself. */
  treeDev: number;
  /** A directory between the tree root and the entry is on another device. */
  crosses: boolean;
  /**
   * A directory on the way (below the root directory) can be written by an account other than root: the
   * service account or any other. Decided from the disk alone, never from the configuration's user and
   * group, which the service account can edit.
   */
  userWritable: boolean;
  /**
   * The same as far as the disk shows: an ACL that could not be read (the pure-JS path) not counted. The
   * laundering check is skipped only below a directory known to be another account's to write.
   */
  knownUserWritable: boolean;
  /** The entry's directory. */
  parent: Perms;
  /**
   * The kernel stops accounts from hard-linking files they could not already read and write
   * (fs.protected_hardlinks = 1). False when it is off or cannot be read.
   */
  hardlinksProtected: boolean;
}

export type Judgement =
  | { kind: 'go' }
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: RefusalReason; message?: string }
  /** Refused for its parent alone: undo retries it once the directories above are restored. */
  | { kind: 'parent'; message?: string };

const GO: Judgement = { kind: 'go' };
const UNCHANGED: Judgement = { kind: 'unchanged' };

/** Decide on one request, given the pinned inode and its place. Pure. */
export function judge(req: ChangeRequest, s: Seen, w: Where, showExpect: (t: Target) => string): Judgement {
  // Another inode or type behind the name than the walk saw: swapped between the walk and now.
  if (s.dev !== req.dev || s.ino !== req.ino || s.type !== req.type) {
    return { kind: 'refused', reason: s.type === 'symlink' ? 'symlink' : 'changed-during-fix' };
  }
  // A mount below the tree root (or a chain that crossed one): the tree's owner does not decide there.
  if (w.crosses || (w.treeDev !== -1 && s.dev !== w.treeDev)) return { kind: 'refused', reason: 'other-filesystem' };
  // A hard link made since the walk: a second name (maybe outside the tree) for what would be chowned.
  if (s.type !== 'dir' && s.nlink > 1) return { kind: 'refused', reason: 'hardlinked' };
  if (sameValues(s.now, req.target, s.type)) return UNCHANGED;
  // Undo: the entry as the fix left it, or as a fix stopped partway left it (after its narrowing chmod, or after
  // its chown: see leftPartway()), which undo puts back like the rest.
  if (req.expect !== null && !sameValues(s.now, req.expect, s.type) && !leftPartway(s, req.target, req.expect)) {
    const message = `changed since the fix: now ${showExpect(s.now)}, the fix left ${showExpect(req.expect)}`;
    return { kind: 'refused', reason: 'changed-during-fix', message };
  }
  // A directory a third account can write: it could rename the entry away and put another in its place.
  if (parentUnsafe(w.parent, req.target.uid)) {
    const note = parentUnsafe(withoutAcl(w.parent), req.target.uid) ? null : aclNote(w.parent, true);
    return note === null ? { kind: 'parent' } : { kind: 'parent', message: note };
  }
  // setuid/setgid/sticky only on what root alone could have written and will alone write: not below a
  // directory another account can write (it could swap in what gets the bit), not on an entry another
  // account owns or may write now (its content may be theirs: `$user`'s payload chowned to root), nor one
  // the change leaves to another account. Judged on the disk, not on the configuration's `user = …`, which
  // `$user` can point at any other account.
  const now = withAclOf(s, s.now);
  const target = withAclOf(s, req.target);
  if (grants(s.now, req.target, s.type, req.expect) && (w.userWritable || writableByNonRoot(now) || writableByNonRoot(target))) {
    return refusedFor('setid-in-user-tree', setidNote(w, now, target));
  }
  // Laundering: a file another account can write now, made root's alone in place, keeps that account's
  // content and the descriptors and shared mappings it holds (see launders()). Only where root's ownership
  // means something: below a directory another account writes, it can replace the file at will anyway.
  // The target as its mode makes it: an ACL on the entry (its owner's to set: `user:ecuser:rwx` on ecuser's own
  // file) must not make a root-owned target count as another account's, which would let this check pass.
  if (!w.knownUserWritable && launders(now, req.target, s.type)) return refusedFor('writable-content', aclNote(now));
  // A hard link outliving its owner's own name for it (see opensToOthers()), where the kernel allows one.
  if (!w.hardlinksProtected && opensToOthers(s.now, req.target, s.type)) return { kind: 'refused', reason: 'hardlinks-unprotected' };
  return GO;
}

/**
 * Whether the change grants setuid, setgid or sticky (grantsSetid). For undo also judged from the state the fix
 * left, when the entry is in one a fix stopped partway leaves (leftPartway): such a state may keep a bit the fix's
 * own end lacks (the sticky bit stays until the last chmod), and its owner can make it on purpose; restoring from
 * it must be no looser than from the fix's end (`500:500 0775` made `1755` by its owner is still refused `0:0 1755`).
 */
export function grants(now: Perms, target: Target, type: EntryType, expect: Target | null): boolean {
  return grantsSetid(now, target, type) || (expect !== null && grantsSetid(expect, target, type));
}

/**
 * What only ACLs make of a setid refusal, or null when a known writer refuses it (an owner, a group, everyone by
 * the mode; a directory on the way known to be another's): the entry's ACL that names a writer or could not be
 * read, and a directory on the way whose ACL could not be read.
 */
function setidNote(w: Where, now: Perms, target: Perms): string | null {
  if (w.knownUserWritable || writableByNonRoot(withoutAcl(now)) || writableByNonRoot(withoutAcl(target))) return null;
  const notes: string[] = [];
  const entry = aclNote(now) ?? aclNote(target);
  if (entry !== null) notes.push(entry);
  if (w.userWritable) notes.push(`a directory on the way is root's group's to write, and its ACL, which may name other accounts, could not be read (${aclUnreadWhy()})`);
  return notes.length === 0 ? null : notes.join('; ');
}

/** A refusal, with `note` as its message when there is one (the report prints the reason's own text beside it). */
function refusedFor(reason: RefusalReason, note: string | null): Judgement {
  return note === null ? { kind: 'refused', reason } : { kind: 'refused', reason, message: note };
}

/**
 * Why `p` is writable by another account when only its ACL makes it so (root's group with write, nobody else's
 * write by its mode), or null: `root:root 0775` says nothing of the account an ACL names, and a refusal must say
 * why. `ownerAside`: the owner is not counted (a parent the entry's new owner owns).
 */
function aclNote(p: Perms, ownerAside = false): string | null {
  if ((p.uid !== 0 && !ownerAside) || p.gid !== 0 || (p.mode & 0o022) !== 0o020 || p.acl === undefined || p.acl === 'none') return null;
  const dir = ownerAside ? 'its directory has ' : '';
  return p.acl === 'unread'
    ? `${dir}mode ${octal(p.mode & 0o7777)}: root's group may write, and an ACL, which may name other accounts, could not be read (${aclUnreadWhy()})`
    : `${dir}mode ${octal(p.mode & 0o7777)} with an ACL that lets another account write (see getfacl)`;
}

/** `p` (the entry's values now, or as the change leaves them) with what the entry's ACL says. */
function withAclOf(s: Seen, p: Perms): Perms {
  return s.acl === undefined ? p : { ...withoutAcl(p), acl: s.acl };
}

/** The outcome for an entry that could not be reached: a link or a non-directory on the way, gone, or an errno. */
export function unreachableOutcome(req: ChangeRequest, e: ReachError): Outcome {
  const base = { path: req.path, before: null, after: req.target, rule: req.rule };
  switch (e.kind) {
    case 'vanished':
      // The spool removes files all day: a vanished entry has nothing left to fix.
      return { ...base, outcome: 'unchanged', message: `vanished before it could be fixed (${e.at})` };
    case 'symlink':
      // A directory on the way swapped for a link: following it would land outside the tree.
      return { ...base, outcome: 'refused', reason: 'symlink', message: `${e.at} is a symbolic link where a directory was expected` };
    case 'not-dir':
      return { ...base, outcome: 'refused', reason: 'changed-during-fix', message: `${e.at} is no longer a directory` };
    default:
      return { ...base, outcome: 'failed', errno: e.errno, message: `cannot open ${e.at}: ${e.errno}` };
  }
}

/**
 * Whether the entry is what a fix from `before` to `after` leaves when it stops partway, a state undo puts back
 * like the rest: after its narrowing chmod (see narrowing()), with the old owner and group (a chown that failed,
 * or a kill before it); or after its chown, before its last chmod: the new owner and group with the mode the
 * chown left, the narrowed one or, when nothing was taken away, the old one (`500:500 0750 → 0:0 0755` killed
 * there is `0:0 0750`). The kernel clears setuid, and setgid with group execute, when root changes the owner or
 * group of anything but a directory: that mode too.
 */
function leftPartway(s: Seen, before: Target, after: Target): boolean {
  const narrow = narrowing(before, after, s.type, true);
  if (narrow !== null && sameValues(s.now, { uid: before.uid, gid: before.gid, mode: narrow }, s.type)) return true;
  if (before.uid === after.uid && before.gid === after.gid) return false;
  const mode = narrow ?? before.mode;
  const cleared = s.type === 'dir' ? mode : mode & ~(S_ISUID | ((mode & 0o010) !== 0 ? S_ISGID : 0));
  return sameValues(s.now, { uid: after.uid, gid: after.gid, mode }, s.type) || sameValues(s.now, { uid: after.uid, gid: after.gid, mode: cleared }, s.type);
}
