/**
 * POSIX access ACLs in the root-only checks. An access ACL gives the users and groups it names what its mask
 * allows, and the mask is what the mode shows as the group bits: `root:root 0775` with `user:ecuser:rwx` is a
 * directory ecuser writes, though its owner and group are root's and its group bits seem to be root's group's.
 * Stops: a root run trusting such a directory (or file) as root's alone: a rules file, a journal, the state
 * directory, or a directory above what the fix changes, that the service account can in fact rewrite.
 *
 * Only an entry in root's group whose group bits allow write needs its ACL read: an entry whose group is
 * another, or that others may write, is taken as writable by others already; and where the group bits (the
 * mask) lack write, no named entry can write. An entry another account owns is that account's anyway, save
 * where the fix gives it to that very account (parentUnsafe): then a third account its ACL names still counts.
 * Default ACLs (what new entries inherit) are not read.
 */
import type * as fs from 'node:fs';
import { nativeFs } from './native.js';
import type { Perms } from './trust.js';

/**
 * What the access ACL says of write by accounts other than root: `none` (no ACL, or none naming another account
 * with write), `writers` (it names one), `unread` (it could not be read: without the native helpers Node has
 * no call for extended attributes; taken as `writers`).
 */
export type AclWrite = 'none' | 'writers' | 'unread';

/** Whether the ACL decides who may write `p`: in root's group, group bits with write. */
export function aclMatters(p: Perms): boolean {
  return p.gid === 0 && (p.mode & 0o020) !== 0;
}

/**
 * What the access ACL of the inode open as `fd` (any descriptor, O_PATH included; never a symbolic link's)
 * says of write by accounts other than root, whatever its mask (a chmod changes the mask, not the entries).
 */
export function aclWriteOf(fd: number): AclWrite {
  const n = nativeFs();
  if (n === null || typeof n.aclWrite !== 'function') return 'unread';
  try {
    return n.aclWrite(fd) === 1 ? 'writers' : 'none';
  } catch {
    return 'unread';
  }
}

/** Why an ACL is `unread` here, for messages: an administrator who runs getfacl and finds nothing must see the cause. */
export function aclUnreadWhy(): string {
  const n = nativeFs();
  if (n === null) return 'the native helpers are not loaded, and Node has no call for it';
  if (typeof n.aclWrite !== 'function') return 'the native helpers loaded are older than the call that reads it';
  return 'getxattr failed on it';
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * Owner, group and mode of what fstat said of `fd`, with what its ACL says when that decides whether the entry
 * is root's alone (see aclMatters). A symbolic link has no ACL (and its mode, 0777, is not root's alone anyway).
 */
export function permsWithAcl(fd: number, st: fs.Stats | { uid: number; gid: number; mode: number }): Perms {
  const p: Perms = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
  if (aclMatters(p) && (st.mode & S_IFMT) !== S_IFLNK) p.acl = aclWriteOf(fd);
  return p;
}
