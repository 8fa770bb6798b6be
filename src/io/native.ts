/**
 * The native helpers (native/fsat.c, built into dist/native/fsat.node by `npm run build`): openat(),
 * fstatat() and fstat() as numbers, a directory listed and examined in one call, fchownat()/fchmodat2() on a
 * pinned descriptor. They make the same calls on the same descriptors as the pure-JS path, without going
 * through `/proc/self/fd/N/name` for every entry, and without building a Stats object per entry.
 *
 * Optional: where the helpers could not be built (no compiler, another platform) or
 * MOMENTUM_PERMS_NATIVE=0 is set, every caller takes its pure-JS path, which is just as safe and slower.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errnoName, fdPath } from './fd.js';

export { errnoName };

export interface NativeFs {
  /** openat(dirfd, name, flags | O_CLOEXEC): a name holding a slash or a NUL is refused (TypeError). */
  openat(dirFd: number, name: string | Buffer, flags: number): number;
  /** fstat(fd) into out[0..5]: mode, uid, gid, dev, ino, nlink. */
  fstat(fd: number, out: Float64Array): void;
  /**
   * One getdents64() on the open directory and an fstatat() of each name ("." and ".." left out): numbers
   * into nums[i*6..], errno numbers (0: none) into errs[i]. Names are strings when UTF-8, else Buffers.
   * An empty array: the end of the listing.
   */
  listBatch(dirFd: number, nums: Float64Array, errs: Int32Array): (string | Buffer)[];
  /**
   * For each pinned descriptor fds[i], spec[i*4..] = uid, gid, mode, what (1: chown, 2: chmod): fchownat()
   * with AT_EMPTY_PATH, chmod of the same inode, fstat(), then close fds[i] whatever happened; later steps
   * are not taken after one that failed. The batch is checked and copied, then made on the helper thread
   * while the caller goes on (before returning, on the caller's thread, when there is none). From here the
   * descriptors are the batch's: the caller neither uses nor closes them. One batch at a time.
   */
  changeStart(fds: Int32Array, spec: Float64Array, count: number, journalFd?: number, dirFd?: number, prune?: readonly string[]): void;
  /**
   * Wait for the batch changeStart began: read-backs into out[i*6..], errno numbers (0: none) into errs[i]; the
   * count. With a journalFd whose fdatasync failed, nothing was changed: throws its errno (syscall "fdatasync");
   * with a dirFd (a journal just created there: fsync of both first, then the prune's names removed once the
   * batch is made), syscall "fsync".
   */
  changeWait(out: Float64Array, errs: Int32Array): number;
  /**
   * openat(dirfd, names[i], flags) and fstat() of what it opened, for each name: fds[i] (or -1), the numbers
   * into nums[i*6..], errs[i] (0 or the errno number; nothing left open then). A name holding a slash or a
   * NUL is refused (TypeError) before anything is opened.
   */
  pinBatch(dirFd: number, names: string[], flags: number, fds: Int32Array, nums: Float64Array, errs: Int32Array): void;
  /**
   * pinBatch's opens, posted ahead: pinOpen opens a group in the directory dirFd names now (a duplicate of it: the
   * caller may close its own); pinPost adds a name (a TypeError for one pinBatch refuses, nothing added), which the
   * helper thread opens and fstat()s while the caller goes on; pinTake ends the group, opening what the helper has
   * not begun, and writes the i-th name's results as pinBatch does (the descriptors are the caller's from then on),
   * returning how many names were posted (0 with no group open). pinOpen answers false, nothing opened, when no
   * group can be posted (no helper thread, another environment's group open, no descriptor left): pinBatch then.
   * At most `room` names a group, one group at a time. Given arrays too short, pinTake closes what the group opened
   * and throws. Missing from helpers built before them.
   */
  pinOpen?(dirFd: number, flags: number, room: number): boolean;
  pinPost?(name: string): void;
  pinTake?(fds: Int32Array, nums: Float64Array, errs: Int32Array): number;
  close(fd: number): void;
  /**
   * Grow the descriptor table once to hold descriptors below n (each doubling the kernel makes on its own
   * waits for an RCU grace period in a process with threads). Throws the errno (EINVAL: n past the limit).
   * With soon, a thread of its own grows it and the call returns at once, reporting no error (helpers built
   * before it ignore soon and grow it before returning).
   */
  reserveFds(n: number, soon?: boolean): void;
  /**
   * 1 when the access ACL of the inode open as fd (O_PATH included; never a link's) names a user or group other
   * than root with write, whatever its mask; else 0 (none, or no ACLs on that file system). Throws what it cannot
   * read or understand. Missing from helpers built before it: callers then take the ACL as unread.
   */
  aclWrite?(fd: number): number;
  /** The most names one listBatch() answers: the size its arrays must have (nums: 6 per name). */
  readonly MAX_BATCH: number;
  /** changeStart's journalFd is made durable before the changes (true since it exists; undefined before). */
  readonly SYNCS_JOURNAL?: boolean;
  /** changeStart takes dirFd and prune (true since it does; a helper built before ignores them). */
  readonly SYNCS_NEW_JOURNAL?: boolean;
}

let loaded: NativeFs | null | undefined;
let disabled = process.env.MOMENTUM_PERMS_NATIVE === '0';

/**
 * Whether a root run may load this file: root's, and neither it nor its directory writable by anyone else.
 * Stops: an account that can write the program's directory (a checkout built by a user, then run with sudo)
 * putting its own code into a root process. The packages install it root's, 0644.
 */
function loadable(file: string): boolean {
  if (process.geteuid?.() !== 0) return true;
  try {
    for (const p of [file, path.dirname(file)]) {
      const st = fs.lstatSync(p);
      if (st.uid !== 0 || (st.mode & 0o022) !== 0 || !(st.isFile() || st.isDirectory())) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function load(): NativeFs | null {
  const require = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/io/native.js and the CLI's bundle, dist/bundle/*.js → dist/native/fsat.node; src/io/native.ts
  // (tests) → the built one in dist/.
  for (const p of ['../native/fsat.node', '../../dist/native/fsat.node']) {
    const file = path.resolve(here, p);
    if (!fs.existsSync(file) || !loadable(file)) continue;
    try {
      return require(file) as NativeFs;
    } catch {
      // built for another system (another libc, another architecture): the pure-JS path
    }
  }
  return null;
}

/** The native helpers, or null: the caller takes its pure-JS path. */
export function nativeFs(): NativeFs | null {
  if (disabled) return null;
  if (loaded === undefined) loaded = load();
  return loaded;
}

/** Which path the system calls take: for `--version`, the benchmarks and the tests that run both. */
export function ioPath(): 'native' | 'js' {
  return nativeFs() === null ? 'js' : 'native';
}

/** Tests: run the pure-JS path (false) or the native one again (true). */
export function useNative(on: boolean): void {
  disabled = !on;
}

/**
 * Open `name` inside the directory `dirFd` with `flags`: openat() itself with the native helpers, else the
 * same lookup through `/proc/self/fd/N/name` (the magic link jumps to the open directory, nowhere else). A
 * name that is not UTF-8 is given as its exact bytes.
 */
export function openAt(dirFd: number, name: string | Buffer, flags: number): number {
  const n = nativeFs();
  if (n !== null) return n.openat(dirFd, name, flags);
  return fs.openSync(typeof name === 'string' ? fdPath(dirFd, name) : Buffer.concat([Buffer.from(fdPath(dirFd) + '/'), name]), flags);
}

/** What fstat says of an open descriptor; `mode` keeps S_IFMT. */
export interface FdStat {
  mode: number;
  uid: number;
  gid: number;
  dev: number;
  ino: number;
  nlink: number;
}

const NUMS = new Float64Array(6);

/** fstat(fd), as numbers (the native helpers build no Stats object with four Dates). */
export function fstatOf(fd: number): FdStat {
  const n = nativeFs();
  if (n === null) {
    const s = fs.fstatSync(fd);
    return { mode: s.mode, uid: s.uid, gid: s.gid, dev: s.dev, ino: s.ino, nlink: s.nlink };
  }
  n.fstat(fd, NUMS);
  return statOf(NUMS, 0);
}

/**
 * The FdStat at nums[k..k+5], as the native helpers write them (mode, uid, gid, dev, ino, nlink). The 32-bit values
 * through `>>> 0`, exact for each of them: read from a Float64Array, they would reach V8 as boxed doubles, and a
 * boxed double stored into `{ uid, gid, mode }` turns that shape's fields to doubles for every object that has it
 * (the rules' targets, the walk's checks), and every function compiled for them is compiled again.
 */
export function statOf(nums: Float64Array, k: number): FdStat {
  return {
    mode: (nums[k] as number) >>> 0,
    uid: (nums[k + 1] as number) >>> 0,
    gid: (nums[k + 2] as number) >>> 0,
    dev: nums[k + 3] as number,
    ino: nums[k + 4] as number,
    nlink: (nums[k + 5] as number) >>> 0,
  };
}
