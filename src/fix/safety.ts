/**
 * The fixer's safety predicates, as pure functions over numbers. Each says which attack it stops; the
 * apply step (src/fix/apply.ts) feeds them what fstat returned on the descriptors it holds.
 */
import type { EntryType, Target } from '../types.js';
import { aclWriters, writableByNonRoot, type Perms } from '../io/trust.js';
import { S_ISGID, S_ISUID, S_ISVTX } from './types.js';

export { REFUSAL_TEXT } from '../types.js';

export { writableByNonRoot, type Perms } from '../io/trust.js';

/**
 * Whether the change would make root's alone, in place, an entry (not a directory) that an account other than
 * root can write now: another owner, or group write for a group other than root's, or world write.
 * Stops laundering: `root:ecuser 0775 sbin/ec_helper` (a umask-002 install), or a binary a stray `chown -R`
 * gave the service account, re-owned or re-moded to root's alone keeps the inode, so a descriptor or a
 * MAP_SHARED mapping the account opened before still writes it (the kernel checks access at open time, and
 * clears setuid on write() but not on writes through a shared mapping); the file then looks like root's and
 * a later `mode=4755` rule made the account's content setuid root. Its content cannot be vouched for in
 * place: it is refused, for a reinstall from the package. Directories are not content: access to them is
 * checked at each call, so a descriptor kept open on one gives nothing after the change.
 */
export function launders(current: Perms, target: Perms, type: EntryType): boolean {
  return type !== 'dir' && writableByNonRoot(current) && !writableByNonRoot(target);
}

/** The accounts other than root that may read an entry with these values: `u<uid>`, `g<gid>`, `all`. */
function readers(p: Perms): Set<string> {
  const out = new Set<string>();
  if ((p.mode & 0o004) !== 0) out.add('all');
  if ((p.mode & 0o400) !== 0 && p.uid !== 0) out.add(`u${p.uid}`);
  if ((p.mode & 0o040) !== 0 && p.gid !== 0) out.add(`g${p.gid}`);
  return out;
}

/**
 * Whether the change lets an account other than root read a regular file it could not read before (a new
 * owner, a new group with read, or a read bit added), unless everyone could read it already.
 * Stops, where fs.protected_hardlinks is 0: the service account hard-links a root-only file into its spool
 * (refused while it has two names), then root replaces the original the usual way (a new file renamed over
 * it: passwd, useradd, dpkg, an editor); the spool name is left with one link, root's, a textbook spool
 * drift, and the fix gave the account root's old secret. Nothing on the inode tells such a file from one
 * root created there. With protected_hardlinks on, an account cannot link a file it cannot already read
 * and write, so the change is sound there.
 */
export function opensToOthers(current: Perms, target: Target, type: EntryType): boolean {
  if (type !== 'file') return false;
  const before = readers(current);
  if (before.has('all')) return false;
  for (const r of readers(target)) if (!before.has(r)) return true;
  return false;
}

/**
 * A parent directory is safe to change an entry below when only root and the entry's new owner can write
 * it. Stops: a third account renaming the entry (or the directory's contents) under the fix.
 */
export function parentUnsafe(parent: Perms, newOwner: number): boolean {
  if (parent.uid !== 0 && parent.uid !== newOwner) return true;
  // Group write for another group than root's, or for an account the directory's ACL names (io/acl.ts).
  if ((parent.mode & 0o020) !== 0 && (parent.gid !== 0 || aclWriters(parent))) return true;
  return (parent.mode & 0o002) !== 0;
}

/**
 * Whether moving from `current` to `target` grants a setuid, setgid or sticky bit: a bit the entry lacks,
 * or a setuid/setgid bit that would now run as another owner or group (the kernel clears both on chown,
 * so the chmod after it grants them anew). Symlinks have no mode bits to grant.
 */
export function grantsSetid(current: Perms, target: Target, type: EntryType): boolean {
  if (type === 'symlink') return false;
  if ((target.mode & (S_ISUID | S_ISGID | S_ISVTX) & ~current.mode) !== 0) return true;
  if ((target.mode & S_ISUID) !== 0 && target.uid !== current.uid) return true;
  return (target.mode & S_ISGID) !== 0 && target.gid !== current.gid;
}

/** True when `current` already is `target` (a symlink has no mode of its own to compare). */
export function sameValues(current: Perms, target: Target, type: EntryType): boolean {
  if (current.uid !== target.uid || current.gid !== target.gid) return false;
  return type === 'symlink' || (current.mode & 0o7777) === (target.mode & 0o7777);
}

/** `path` is `tree` or below it (string form of Momentum paths, no trailing slash except `/`). */
export function inTree(path: string, tree: string): boolean {
  if (tree === '/') return path.startsWith('/');
  return path === tree || (path.startsWith(tree) && path.charCodeAt(tree.length) === 47 /* / */);
}

/**
 * The mode a change first narrows an entry to, or null: when it gives the entry another owner or group
 * (chown) and also changes its mode (chmod), and takes bits away, the bits both modes have are set first.
 * Else the new owner or group would hold the old bits between the two calls, or for good after a kill there:
 * root:root 0775 → root:ecuser 0755 would pass through root:ecuser 0775, a directory ecuser may write into.
 * The sticky bit is kept: it takes a right away (deleting and renaming others' entries), so dropping it
 * under the old group would give that group what neither mode gives it. Never for a link (no chmod).
 */
export function narrowing(from: Perms, to: Target, type: EntryType, chmod: boolean): number | null {
  const chown = from.uid !== to.uid || from.gid !== to.gid;
  const taken = from.mode & ~to.mode & ~S_ISVTX & 0o7777;
  return chown && chmod && type !== 'symlink' && taken !== 0 ? from.mode & (to.mode | S_ISVTX) & 0o7777 : null;
}

