/**
 * The root-only checks: what may a root run take orders from, and which directories may it pass. Files a
 * root run takes orders from (rules, snapshots, journals, its own state) must be root's alone: one the
 * service account can edit, or whose path it can redirect, would let it declare `/etc` a tree, or name the
 * owner of anything. Pure predicates over what fstat said, plus the checks built on them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, type ErrorCode } from '../errors.js';
import { octal } from '../types.js';
import { errnoOf } from './fd.js';

/** Owner, group and mode of a directory or entry as fstat saw it. */
export interface Perms {
  uid: number;
  gid: number;
  mode: number;
}

const S_ISVTX = 0o1000;
const MAX_LINKS = 40;

/**
 * Writable by someone other than root (owner not root, or group write for a group other than root's, or
 * world write). Stops: trusting a directory whose entries a non-root account can rename or replace.
 */
export function writableByNonRoot(p: Perms): boolean {
  return p.uid !== 0 || ((p.mode & 0o020) !== 0 && p.gid !== 0) || (p.mode & 0o002) !== 0;
}

/** Why `s` could be changed by another account than root, or null. */
export function notRootOnly(s: Perms): string | null {
  if (s.uid !== 0) return `is owned by uid ${s.uid}, not root`;
  if (!writableByNonRoot({ uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 })) return null;
  return `is writable by ${(s.mode & 0o002) !== 0 ? 'everyone' : `group ${s.gid}`} (mode ${octal(s.mode & 0o7777)})`;
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
 * Check the host path `host` and everything it resolves through: every directory passed on the way
 * `notPassable`, every directory holding a symbolic link on the way (or the file) `notRootOnly`, and the
 * file itself a regular file `notRootOnly`. Returns the reason it is not trusted, or null.
 */
export function untrustedPath(host: string): string | null {
  const todo = path.resolve(host).split('/').filter((c) => c !== '');
  let dir = '/';
  let links = 0;
  const checkDir = (d: string, strict: boolean): string | null => {
    const s = fs.statSync(d);
    const why = strict ? notRootOnly(s) : notPassable(s);
    return why === null ? null : `is in directory ${d} which ${why}`;
  };
  try {
    let why = checkDir('/', false);
    while (why === null) {
      const name = todo.shift();
      if (name === undefined) return 'is a directory';
      if (name === '.') continue;
      if (name === '..') {
        dir = path.dirname(dir);
        continue;
      }
      const p = path.join(dir, name);
      const l = fs.lstatSync(p);
      if (l.isSymbolicLink()) {
        // Whoever can write the directory holding a link can point it elsewhere.
        why = checkDir(dir, true);
        if (++links > MAX_LINKS) return 'resolves through too many symbolic links';
        const target = fs.readlinkSync(p);
        if (target.startsWith('/')) dir = '/';
        todo.unshift(...target.split('/').filter((c) => c !== ''));
      } else if (todo.length === 0) {
        if (!l.isFile()) return 'is not a regular file';
        return checkDir(dir, true) ?? notRootOnly(l);
      } else if (l.isDirectory()) {
        why = checkDir(p, false);
        dir = p;
      } else {
        return `cannot be resolved: ${p} is not a directory`;
      }
    }
    return why;
  } catch (e) {
    return `cannot be checked (${errnoOf(e) ?? e})`;
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
  throw new MpError(code, `${display} ${why}: not trusted for a root fix`, {
    notes: ['make it and every directory above it owned by root and writable by root alone'],
  });
}

/** MP203 unless every rules file the run read (shipped, local override, --rules) is root's alone. */
export function assertRulesTrusted(files: readonly { host: string; display: string }[]): void {
  for (const f of files) assertRootOnly(f.host, `rules file ${f.display}`, 'MP203');
}
