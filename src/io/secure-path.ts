/**
 * Reaching the files a root run takes orders from or writes to (state directory, journals, rules files)
 * so that no other account can have steered the path: every directory on the way is root's, and none lets
 * another account rename what is inside it. A file found this way cannot be swapped after it was checked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, type ErrorCode } from '../errors.js';
import type { Root } from './fs.js';
import { errnoOf } from './fd.js';
import { badName, closeQuietly, fdPath, syncCreated } from './fd.js';
import { openSafe } from './safe-open.js';
import { notPassable, notRootOnly, TRUST_HINT, writableText } from './trust.js';
import { permsWithAcl } from './acl.js';

/** An open directory and its Momentum path (for messages). */
export interface OpenDir {
  fd: number;
  path: string;
}

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
      const s = permsWithAcl(fd, fs.fstatSync(fd));
      // A directory another account can write: it could rename what we open next, or plant it.
      if ((last ? notRootOnly(s) : notPassable(s)) !== null) {
        fail(code, `${at === '/' && root.dir !== '/' ? `/ (--root ${root.dir})` : at} is ${writableText(s)}`);
      }
      if (last) return { fd, path: at };
      const name = parts[i] as string;
      at = path.posix.join(at, name);
      if (badName(name)) fail(code, `${at} is not a usable directory name`);
      const child = fdPath(fd, name);
      if (create) {
        try {
          fs.mkdirSync(child, i === parts.length - 1 ? 0o700 : 0o755);
          // Its name made durable in its parent: a journal written below it must not vanish with it at a crash.
          syncCreated(fd);
        } catch (e) {
          if (errnoOf(e) !== 'EEXIST') fail(code, `cannot create ${at}: ${errnoOf(e) ?? e}`, errnoOf(e));
        }
      }
      const next = openSafe(child, { want: 'dir' });
      if ('refused' in next) {
        // A link in place of a directory would send what is written or read wherever it points.
        if (next.refused === 'symlink' || next.refused === 'wrong-type') fail(code, `${at} is a symbolic link or not a directory`);
        const c = 'errno' in next ? next.errno : 'EIO';
        fail(code, `${at} cannot be opened: ${c}`, c === 'ENOENT' ? c : undefined);
      }
      fs.closeSync(fd);
      fd = next.fd;
    }
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Open the file `file` (a Momentum path) for reading when root alone could have written it: reached by
 * openDirChain, no link, a regular file with one name, root's and writable by root alone; the checks are
 * made on the descriptor returned. Throws `code`.
 */
export function openTrustedFile(root: Root, file: string, what: string, code: ErrorCode): number {
  const m = path.posix.resolve('/', file);
  if (m === '/') fail(code, `${what} ${m} is not a file`);
  const dir = openDirChain(root, path.posix.dirname(m), false, code);
  let got: ReturnType<typeof openSafe>;
  try {
    got = openSafe(fdPath(dir.fd, path.posix.basename(m)), { want: 'file' });
  } finally {
    fs.closeSync(dir.fd);
  }
  if ('refused' in got) {
    if (got.refused === 'missing' || got.refused === 'error') return fail(code, `cannot read ${what} ${m}: ${got.errno}`, got.errno);
    // Not a link, a FIFO or a device (a read would block or never end).
    return fail(code, `${what} ${m} ${got.refused === 'symlink' ? 'is a symbolic link' : 'is not a regular file'}: not trusted for a root run`);
  }
  const s = got.st;
  // One name only: a second name elsewhere could be where it was written from.
  const why = s.nlink !== 1 ? `has ${s.nlink} hard links` : notRootOnly(permsWithAcl(got.fd, s));
  if (why !== null) {
    closeQuietly(got.fd);
    fail(code, `${what} ${m} ${why}: not trusted for a root run`);
  }
  return got.fd;
}
