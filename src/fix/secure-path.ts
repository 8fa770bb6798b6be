/**
 * Reaching the files a root run takes orders from or writes to (state directory, journals, rules files)
 * so that no other account can have steered the path: every directory on the way is root's, and none lets
 * another account rename what is inside it. A file found this way cannot be swapped after it was checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, type ErrorCode } from '../errors.js';
import { errnoOf, type Root } from '../io/fs.js';
import { octal, type EntryType } from '../types.js';
import { writableByNonRoot } from './safety.js';
import { O_PATH, S_ISVTX } from './types.js';
import { badName, typeOfMode } from './access.js';

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
const PIN_FLAGS = O_PATH | fs.constants.O_NOFOLLOW;
const MAX_LINKS = 40;

type Perms = { uid: number; gid: number; mode: number };

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

/** An open directory and its Momentum path (for messages). */
export interface OpenDir {
  fd: number;
  path: string;
}

const TRUST_HINT = 'make it and every directory above it owned by root and writable by root alone';

/**
 * Throw `code`. The hint says what to do about it: for a missing file or a read-only file system the
 * cause itself, not the trust rule (which a person would otherwise try to satisfy in vain).
 */
function fail(code: ErrorCode, message: string, errno?: string): never {
  const hint =
    errno === 'ENOENT' || errno === 'ENOTDIR'
      ? 'no such file or directory: check the path (it is a Momentum path, taken under --root when one is given)'
      : errno === 'EROFS'
        ? 'the file system is read-only here (under systemd, the directory must be in ReadWritePaths=)'
        : TRUST_HINT;
  throw new MpError(code, message, { notes: [hint] });
}

/**
 * Open the directory `dir` (a Momentum path) from the root directory down, one component at a time with
 * O_NOFOLLOW, creating missing ones (0755 on the way, 0700 last) when `create`. Every directory on the way
 * must pass `notPassable`, the last one `notRootOnly`. Throws `code`.
 */
export function openDirChain(root: Root, dir: string, create: boolean, code: ErrorCode): OpenDir {
  const m = path.posix.resolve('/', dir);
  const parts = m === '/' ? [] : m.slice(1).split('/');
  let fd: number;
  try {
    fd = fs.openSync(root.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    return fail(code, `cannot open the root directory ${root.dir}: ${errnoOf(e) ?? e}`);
  }
  let at = '/';
  try {
    for (let i = 0; ; i++) {
      const last = i === parts.length;
      const s = fs.fstatSync(fd);
      // A directory another account can write: it could rename what we open next, or plant it.
      if ((last ? notRootOnly(s) : notPassable(s)) !== null) {
        const mode = octal(s.mode & 0o7777);
        fail(code, `${at === '/' && root.dir !== '/' ? `/ (--root ${root.dir})` : at} is owned by uid ${s.uid}, group ${s.gid}, mode ${mode}: writable by an account other than root`);
      }
      if (last) return { fd, path: at };
      const name = parts[i] as string;
      at = path.posix.join(at, name);
      if (badName(name)) fail(code, `${at} is not a usable directory name`);
      const child = `/proc/self/fd/${fd}/${name}`;
      if (create) {
        try {
          fs.mkdirSync(child, i === parts.length - 1 ? 0o700 : 0o755);
        } catch (e) {
          if (errnoOf(e) !== 'EEXIST') fail(code, `cannot create ${at}: ${errnoOf(e) ?? e}`, errnoOf(e));
        }
      }
      let next: number;
      try {
        next = fs.openSync(child, DIR_FLAGS);
      } catch (e) {
        const c = errnoOf(e);
        // A link in place of a directory would send what is written or read wherever it points.
        fail(code, `${at} ${c === 'ELOOP' || c === 'ENOTDIR' ? 'is a symbolic link or not a directory' : `cannot be opened: ${c ?? e}`}`, c === 'ENOENT' ? c : undefined);
      }
      fs.closeSync(fd);
      fd = next;
    }
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Open `at` for reading only if it is a regular file: pinned first with O_PATH|O_NOFOLLOW (a link is not
 * followed, a FIFO cannot block, a device's driver never runs), checked with fstat, then reopened through
 * the pin (the same inode). Throws the first open()'s error; returns the type found when it is not a file.
 */
export function openRegular(at: string): { fd: number; st: fs.Stats } | { not: EntryType } {
  const pin = fs.openSync(at, PIN_FLAGS);
  try {
    const st = fs.fstatSync(pin);
    if (!st.isFile()) return { not: typeOfMode(st.mode) };
    return { fd: fs.openSync(`/proc/self/fd/${pin}`, fs.constants.O_RDONLY), st };
  } finally {
    fs.closeSync(pin);
  }
}

/**
 * Open the file `file` (a Momentum path) for reading when root alone could have written it: reached by
 * openDirChain, no link, a regular file with one name, root's and writable by root alone. Throws `code`.
 */
export function openTrustedFile(root: Root, file: string, what: string, code: ErrorCode): number {
  const m = path.posix.resolve('/', file);
  if (m === '/') fail(code, `${what} ${m} is not a file`);
  const dir = openDirChain(root, path.posix.dirname(m), false, code);
  let got: ReturnType<typeof openRegular>;
  try {
    got = openRegular(`/proc/self/fd/${dir.fd}/${path.posix.basename(m)}`);
  } catch (e) {
    return fail(code, `cannot read ${what} ${m}: ${errnoOf(e) ?? String(e)}`, errnoOf(e));
  } finally {
    fs.closeSync(dir.fd);
  }
  // Not a link, a FIFO or a device (a read would block or never end).
  if ('not' in got) return fail(code, `${what} ${m} ${got.not === 'symlink' ? 'is a symbolic link' : 'is not a regular file'}: not trusted for a root run`);
  const s = got.st;
  // One name only: a second name elsewhere could be where it was written from.
  const why = s.nlink !== 1 ? `has ${s.nlink} hard links` : notRootOnly(s);
  if (why !== null) {
    fs.closeSync(got.fd);
    fail(code, `${what} ${m} ${why}: not trusted for a root run`);
  }
  return got.fd;
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
