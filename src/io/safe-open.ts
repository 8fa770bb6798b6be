/**
 * The one safe-open primitive every root read stands on: pin the name with O_PATH (no driver open(), no
 * FIFO block, and with `follow` false no link followed), fstat the pin, decide on that inode, and only then
 * reopen that same inode for use through /proc/self/fd. Nothing is checked on one inode and used on another:
 * a name swapped after the check is not what gets read.
 */
import * as fs from 'node:fs';
import type { EntryType } from '../types.js';
import { errnoOf, fdPath, O_PATH, typeOfMode } from './fd.js';

/** What the caller means to do with the inode: list it, read it, or only look at it (the O_PATH pin). */
export type Want = 'dir' | 'file' | 'any';

export interface SafeOpenOptions {
  want: Want;
  /**
   * Follow links on the way and at the end (default false: a link at the end is refused as `symlink`,
   * never opened). Only for names the administrator gives (the configuration file), never for a path
   * another account can write below.
   */
  follow?: boolean;
  /** Refuse a regular file larger than this (`too-large`), measured on the pinned inode. */
  maxBytes?: number;
}

/** Why a name was not opened. `error` carries the open()'s own error, for the caller to rethrow or report. */
export type Refusal =
  | { refused: 'missing'; errno: string }
  | { refused: 'symlink' }
  | { refused: 'wrong-type'; type: EntryType }
  | { refused: 'too-large'; size: number }
  | { refused: 'error'; errno: string; error: unknown };

/** An open descriptor and what fstat said of it (for `want: 'any'` the O_PATH pin itself). */
export interface Opened {
  fd: number;
  st: fs.Stats;
}

/** The type of an fstat mode; a mode Linux never produces counts as a device, the most restricted kind. */
export function entryTypeOf(mode: number): EntryType {
  return typeOfMode(mode) ?? 'block';
}

/**
 * Open `at` (a host path, or `fdPath(dirFd, name)` below a directory already verified) for `want`, or say
 * why not. The descriptor returned is the inode that was checked; the caller closes it.
 */
export function openSafe(at: string, o: SafeOpenOptions): Opened | Refusal {
  let pin: number;
  try {
    pin = fs.openSync(at, o.follow === true ? O_PATH : O_PATH | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const errno = errnoOf(e) ?? 'EIO';
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return { refused: 'missing', errno };
    return { refused: 'error', errno, error: e };
  }
  let keep = false;
  try {
    const st = fs.fstatSync(pin);
    if (o.want === 'any') {
      keep = true;
      return { fd: pin, st };
    }
    const type = entryTypeOf(st.mode);
    // A link where a file or directory was expected: opening it would reach whatever it points to.
    if (type === 'symlink') return { refused: 'symlink' };
    // A FIFO would block the run, a device's driver would run on open(): never reopened for reading.
    if (type !== o.want) return { refused: 'wrong-type', type };
    if (o.maxBytes !== undefined && st.size > o.maxBytes) return { refused: 'too-large', size: st.size };
    // O_NONBLOCK on a file: a lease another account holds on its own file fails the open at once
    // (EWOULDBLOCK) instead of stalling a root run for the kernel's lease-break time (45 s); reads of a
    // regular file are not changed by it.
    const flags = o.want === 'dir' ? fs.constants.O_RDONLY | fs.constants.O_DIRECTORY : fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK;
    try {
      return { fd: fs.openSync(fdPath(pin), flags), st };
    } catch (e) {
      return { refused: 'error', errno: errnoOf(e) ?? 'EIO', error: e };
    }
  } finally {
    if (!keep) fs.closeSync(pin);
  }
}

/** Whether openSafe refused. */
export function refused(r: Opened | Refusal): r is Refusal {
  return 'refused' in r;
}

/**
 * Read an open regular file of `size` bytes (as fstat said), at most `maxBytes`: a buffer one byte larger
 * than that is filled, so that a file grown after the fstat past `maxBytes` is refused (null), not read whole.
 */
export function readAllFd(fd: number, size: number, maxBytes = Number.MAX_SAFE_INTEGER): Buffer | null {
  const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
  let n = 0;
  for (;;) {
    const r = fs.readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
    if (n === buf.length) break;
  }
  return n > maxBytes ? null : buf.subarray(0, n);
}
