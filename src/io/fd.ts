/**
 * Descriptor-relative paths, the one place that spells them. Node has no openat(), but
 * `/proc/self/fd/<dirfd>/<name>` is one: the magic link jumps to the open directory and `name` is looked up
 * inside that inode and nowhere else, so a rename of a directory above it after it was opened (and checked)
 * changes nothing. `/proc/self/fd/<fd>` alone reaches the open inode itself (fchmod/fchown by name, or a
 * reopen of an O_PATH pin).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { getSystemErrorName } from 'node:util';
import type { EntryType } from '../types.js';

/** O_PATH (x86_64/arm64 value; Node has no constant): opens any file type without running a driver's open(). */
export const O_PATH = 0o10000000;

/** Node's errno code of a caught error, or undefined. */
export function errnoOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, errno } = e as { code?: unknown; errno?: unknown };
  if (typeof code !== 'string') return undefined;
  // An errno libuv has no name for comes as "Unknown system error -122" (Node, negative errno) or "UNKNOWN"
  // (the native helpers, positive errno): named from its number (EDQUOT). Any other code is kept as it is.
  if (typeof errno !== 'number' || errno === 0 || !(code === 'UNKNOWN' || code.startsWith('Unknown system error'))) return code;
  return errnoName(Math.abs(errno));
}

/** The errno name of an errno number from the helpers, as Node's fs would give it as `code` (libuv's names). */
export function errnoName(n: number): string {
  let name = '';
  try {
    name = getSystemErrorName(-n);
  } catch {
    // not a number libuv knows
  }
  return /^E[A-Z0-9]+$/.test(name) ? name : (ERRNO_NAMES.get(n) ?? `E${n}`);
}

/**
 * The kernel's names libuv does not have (EDQUOT, EREMOTEIO, …), from Node's table, and those Node's table
 * lacks too (Linux's numbers: EUCLEAN is a corrupted filesystem).
 */
const ERRNO_NAMES = new Map<number, string>([
  [15, 'ENOTBLK'],
  [66, 'EREMOTE'],
  [77, 'EBADFD'],
  [117, 'EUCLEAN'],
  [118, 'ENOTNAM'],
  [119, 'ENAVAIL'],
  [120, 'EISNAM'],
  [121, 'EREMOTEIO'],
  [123, 'ENOMEDIUM'],
  [124, 'EMEDIUMTYPE'],
  [126, 'ENOKEY'],
  [127, 'EKEYEXPIRED'],
  [128, 'EKEYREVOKED'],
  [129, 'EKEYREJECTED'],
  [132, 'ERFKILL'],
  [133, 'EHWPOISON'],
  ...Object.entries(os.constants.errno).map(([k, v]) => [v, k] as [number, string]),
]);

/** `/proc/self/fd/N`, or `/proc/self/fd/N/name`: `name` looked up in the directory open as N. */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** A directory opened for listing and as a base for names, never through a link (ELOOP/ENOTDIR instead). */
export const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

/** A pin on any type of entry: a link is not followed, a FIFO cannot block, a device's driver never runs. */
export const PIN_FLAGS = O_PATH | fs.constants.O_NOFOLLOW;

/** A name a listing cannot have produced ("", ".", "..", or with a slash) is never looked up. */
export function badName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.includes('/');
}

/** Close a descriptor, ignoring one already closed (cleanup after a failure). */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined || fd < 0) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Make a directory entry just created in the open directory `dirFd` durable, best effort: some filesystems refuse
 * fsync on a directory (EINVAL), and a disk that fails it fails the journal's own fsync after it (MP305), before
 * any change.
 */
export function syncCreated(dirFd: number): void {
  try {
    fs.fsyncSync(dirFd);
  } catch {
    // best effort (see above)
  }
}

const S_IFMT = 0o170000;

/** The entry type of an (l)stat mode, or undefined for a type Linux does not have (never seen in practice). */
export function typeOfMode(mode: number): EntryType | undefined {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    default:
      return undefined;
  }
}
