/**
 * The root-only checks: what may a root run take orders from, and which directories may it pass. Files a
 * root run takes orders from (rules, snapshots, journals, its own state) must be root's alone: one the
 * service account can edit, or whose path it can redirect, would let it declare `/etc` a tree, or name the
 * owner of anything. Pure predicates over what fstat said, plus the checks built on them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, type ErrorCode } from '../errors.js';
import { octal, type EntryType } from '../types.js';
import { closeQuietly, errnoOf, fdPath, O_PATH } from './fd.js';
import { entryTypeOf, openSafe } from './safe-open.js';
import { aclUnreadWhy, permsWithAcl, type AclWrite } from './acl.js';

/** Owner, group and mode of a directory or entry as fstat saw it. */
export interface Perms {
  uid: number;
  gid: number;
  mode: number;
  /**
   * What its access ACL says of write by accounts other than root, where that was read (see io/acl.ts): only
   * for an entry root owns, in root's group, with group write. Unset: not read; group write is then root's
   * group's, as the mode says.
   */
  acl?: AclWrite;
}

const S_ISVTX = 0o1000;

/** What to do about a file or directory a root run does not trust. */
export const TRUST_HINT = 'make it and every directory above it owned by root and writable by root alone';
const MAX_LINKS = 40;

/**
 * Writable by someone other than root (owner not root, or group write for a group other than root's, or for
 * an account an access ACL names, or world write). Stops: trusting a directory whose entries a non-root
 * account can rename or replace.
 */
export function writableByNonRoot(p: Perms): boolean {
  return p.uid !== 0 || ((p.mode & 0o020) !== 0 && (p.gid !== 0 || aclWriters(p))) || (p.mode & 0o002) !== 0;
}

/** Whether the access ACL read for `p` names another account with write, or could not be read. */
export function aclWriters(p: Perms): boolean {
  return p.acl === 'writers' || p.acl === 'unread';
}

/**
 * writableByNonRoot as far as the disk shows: an ACL that could not be read is not counted. Only for a check
 * that a writer would switch off (the laundering check, skipped below a directory another account writes):
 * there, not knowing must not count as knowing.
 */
export function knownWritableByNonRoot(p: Perms): boolean {
  return writableByNonRoot(p.acl === 'unread' ? withoutAcl(p) : p);
}

/** Owner, group and mode alone: who may write by them, whatever an ACL says. */
export function withoutAcl(p: Perms): Perms {
  return { uid: p.uid, gid: p.gid, mode: p.mode };
}

/** Why `s` could be changed by another account than root, or null. */
export function notRootOnly(s: Perms): string | null {
  if (s.uid !== 0) return `is owned by uid ${s.uid}, not root`;
  if (!writableByNonRoot({ uid: s.uid, gid: s.gid, mode: s.mode & 0o7777, ...(s.acl !== undefined ? { acl: s.acl } : {}) })) return null;
  if ((s.mode & 0o002) === 0 && s.gid === 0) return `is writable by ${aclText(s)} (mode ${octal(s.mode & 0o7777)})`;
  return `is writable by ${(s.mode & 0o002) !== 0 ? 'everyone' : `group ${s.gid}`} (mode ${octal(s.mode & 0o7777)})`;
}

/** Who an ACL lets write: named, or not known. */
function aclText(s: Perms): string {
  return s.acl === 'unread' ? `whoever its ACL may name (it could not be read: ${aclUnreadWhy()})` : 'an account its ACL names (see getfacl)';
}

/** A directory or file that `notRootOnly` refuses, as refusals describe it: its owner, group and mode. */
export function writableText(s: Perms): string {
  const acl = s.uid === 0 && s.gid === 0 && (s.mode & 0o002) === 0 && aclWriters(s) ? `, writable by ${aclText(s)}` : '';
  return `owned by uid ${s.uid}, group ${s.gid}, mode ${octal(s.mode & 0o7777)}${acl}: writable by an account other than root`;
}

/**
 * Why a directory on the way could let another account swap what lies below it, or null. Root's and
 * writable by root alone; or root's and sticky (like /tmp: others may add names, never move root's own).
 */
export function notPassable(s: Perms): string | null {
  const why = notRootOnly(s);
  return why !== null && (s.uid !== 0 || (s.mode & S_ISVTX) === 0) ? why : null;
}

/**
 * Why the host path `host` is not trusted, or null (see openJudged: every directory passed on the way
 * `notPassable`, every directory holding a symbolic link on the way `notRootOnly`, the file a regular file
 * `notRootOnly` in a directory `notRootOnly`).
 */
export function untrustedPath(host: string): string | null {
  const j = openJudged(host);
  if (j.fd !== null) closeQuietly(j.fd);
  return j.why;
}

/**
 * What openJudged found: the open file and why it is not trusted (null: root's alone, and so is the way to
 * it), or why nothing was opened (`errno` when a name is missing or cannot be opened, `type` when the path
 * ends on something else than a regular file).
 */
export type Judged = { fd: number; st: fs.Stats; why: string | null } | { fd: null; why: string; errno?: string; type?: EntryType };

/**
 * Open the host path `host` for reading and judge it on the descriptors the read uses: every directory
 * passed is pinned (O_PATH, no link followed) and must be `notPassable`; a symbolic link on the way is read
 * from the pinned directory that holds it, which must be `notRootOnly` (whoever writes it can repoint the
 * link); the file must be a regular file, `notRootOnly`, in a directory `notRootOnly`. The inode judged is
 * the inode read: a name swapped after the check is never what is read. The first reason found is kept and
 * the file is still opened, for a caller that only reports (the caller closes `fd`, and decides what an
 * untrusted file means: a root fix refuses it).
 */
export function openJudged(host: string): Judged {
  const todo = path.resolve(host).split('/').filter((c) => c !== '');
  const pinned: { fd: number; st: Perms; path: string }[] = [];
  const pop = (): void => void closeQuietly(pinned.pop()?.fd);
  let links = 0;
  let why: string | null = null;
  const inDir = (d: { st: Perms; path: string }, strict: boolean): string | null => {
    const w = strict ? notRootOnly(d.st) : notPassable(d.st);
    return w === null ? null : `is in directory ${d.path} which ${w}`;
  };
  const stop = (reason: string, more: { errno?: string; type?: EntryType } = {}): Judged => ({ fd: null, why: why ?? reason, ...more });
  try {
    const rootFd = fs.openSync('/', O_PATH | fs.constants.O_DIRECTORY);
    const top = { fd: rootFd, st: permsWithAcl(rootFd, fs.fstatSync(rootFd)), path: '/' };
    pinned.push(top);
    why = inDir(top, false);
    for (;;) {
      const dir = pinned[pinned.length - 1] as typeof top;
      const name = todo.shift();
      if (name === undefined) return stop('is a directory', { type: 'dir' });
      if (name === '.') continue;
      if (name === '..') {
        if (pinned.length > 1) pop();
        continue;
      }
      const p = path.join(dir.path, name);
      const got = openSafe(fdPath(dir.fd, name), { want: 'any' });
      if ('refused' in got) {
        const errno = 'errno' in got ? got.errno : 'EIO';
        return stop(`cannot be checked (${errno})`, { errno });
      }
      const type = entryTypeOf(got.st.mode);
      if (type === 'symlink') {
        // Whoever can write the directory holding a link can point it elsewhere.
        why ??= inDir(dir, true);
        let target: string;
        try {
          target = fs.readlinkSync(fdPath(dir.fd, name));
        } finally {
          fs.closeSync(got.fd);
        }
        if (++links > MAX_LINKS) return stop('resolves through too many symbolic links');
        if (target.startsWith('/')) while (pinned.length > 1) pop();
        todo.unshift(...target.split('/').filter((c) => c !== ''));
      } else if (todo.length === 0) {
        if (type !== 'file') {
          fs.closeSync(got.fd);
          return stop('is not a regular file', { type });
        }
        // The pin is reopened for reading: the inode judged, whatever the name points to by now.
        let fd: number;
        try {
          // O_NONBLOCK: a lease the file's owner holds fails the open at once instead of stalling root 45 s.
          fd = fs.openSync(fdPath(got.fd), fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
        } finally {
          fs.closeSync(got.fd);
        }
        return { fd, st: got.st, why: why ?? inDir(dir, true) ?? notRootOnly(permsWithAcl(fd, got.st)) };
      } else if (type === 'dir') {
        const d = { fd: got.fd, st: permsWithAcl(got.fd, got.st), path: p };
        pinned.push(d);
        why ??= inDir(d, false);
      } else {
        fs.closeSync(got.fd);
        return stop(`cannot be resolved: ${p} is not a directory`, { type, errno: 'ENOTDIR' });
      }
    }
  } catch (e) {
    const errno = errnoOf(e);
    return stop(`cannot be checked (${errno ?? e})`, errno !== undefined ? { errno } : {});
  } finally {
    while (pinned.length > 0) pop();
  }
}

/**
 * Throw `code` unless the file at `host` is a regular file, root-owned and writable by root alone, in a
 * directory writable by root alone, below directories no other account can rename things in. Symbolic
 * links on the way are followed and judged: the directory holding each must be root's alone too (whoever
 * writes it can repoint the link).
 */
export function assertRootOnly(host: string, display: string, code: ErrorCode): void {
  const why = untrustedPath(host);
  if (why === null) return;
  throw new MpError(code, `${display} ${why}: not trusted for a root fix`, { notes: [TRUST_HINT] });
}

/**
 * MP203 unless every rules file the run read (shipped, local override, --rules) is root's alone. `judged`
 * holds the verdicts made on the descriptors the files were read from (by host path); a file read another
 * way (an injected filesystem) is judged here by its path.
 */
export function assertRulesTrusted(files: readonly { host: string; display: string }[], judged?: ReadonlyMap<string, string | null>): void {
  for (const f of files) {
    const why = judged?.has(f.host) ? (judged.get(f.host) ?? null) : untrustedPath(f.host);
    if (why !== null) throw new MpError('MP203', `rules file ${f.display} ${why}: not trusted for a root fix`, { notes: [TRUST_HINT] });
  }
}
