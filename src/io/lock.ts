/**
 * One fix or undo at a time: `<state-dir>/lock`, created with O_EXCL, holding `<pid> <start-time>`.
 * A lock whose process is gone (kill(pid, 0) says ESRCH, or the pid now belongs to a process started at
 * another time) is stale and taken over.
 */
import * as fs from 'node:fs';
import { MpError } from '../errors.js';
import { errnoOf } from './fd.js';
import { closeQuietly, fdPath } from './fd.js';
import { openSafe } from './safe-open.js';
import type { OpenDir } from './secure-path.js';

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** A held lock. */
export interface Lock {
  readonly path: string;
  release(): void;
}

/** The start time of a process (field 22 of /proc/PID/stat, in clock ticks), or null when unknown. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `pid start` still runs. */
export function holderAlive(pid: number, start: string | null): boolean {
  if (pid === process.pid) return false; // this process holds no lock it did not take: a leftover
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (errnoOf(e) === 'ESRCH') return false;
  }
  // The pid is in use; if it was recorded with a start time, it must be the same process.
  return start === null || processStart(pid) === null || processStart(pid) === start;
}

/** Largest pid Linux hands out (PID_MAX_LIMIT): anything else in a lock file is not a holder. */
const PID_MAX = 4194304;

/** Parse a lock file's content: `<pid>` or `<pid> <start>`. */
export function parseLock(text: string): { pid: number; start: string | null } | null {
  const m = /^(\d{1,7})(?: (\d{1,20}))?\s*$/.exec(text);
  if (!m) return null;
  const pid = Number(m[1]);
  // pid 0 would make kill(0, 0) ask about our own process group: always "alive", a lock held forever.
  return pid >= 1 && pid <= PID_MAX ? { pid, start: m[2] ?? null } : null;
}

/**
 * Read a small regular file through the state directory, never blocking and never through a link. Throws
 * MP303 when something else than a regular file sits there (a FIFO would hang the run, a directory crash it).
 */
function readLockFile(at: string, display: string): { text: string; st: fs.Stats } | null {
  const got = openSafe(at, { want: 'file' });
  if ('refused' in got) {
    if (got.refused === 'missing' && got.errno === 'ENOENT') return null; // released meanwhile
    if (got.refused === 'missing' || got.refused === 'error') throw new MpError('MP303', `lock ${display} cannot be read: ${got.errno}`);
    // A link, a FIFO, a directory or anything but a plain file in place of the lock: refuse, never follow.
    throw new MpError('MP303', `lock ${display} is not a regular file`, { notes: [`remove ${display} by hand`] });
  }
  const { fd, st } = got;
  try {
    const buf = Buffer.alloc(64);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.toString('utf8', 0, n), st };
  } catch (e) {
    throw new MpError('MP303', `lock ${display} cannot be read: ${errnoOf(e) ?? e}`);
  } finally {
    closeQuietly(fd);
  }
}

/** Take the lock in the open state directory, or throw MP301 naming the holder. */
export function acquireLock(state: OpenDir): Lock {
  const at = fdPath(state.fd, 'lock');
  const display = `${state.path === '/' ? '' : state.path}/lock`;
  const mine = `${process.pid} ${processStart(process.pid) ?? ''}`.trim() + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(at, CREATE, 0o600);
      fs.writeSync(fd, mine);
      fs.closeSync(fd);
      return { path: display, release: () => release(at, mine) };
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') throw new MpError('MP303', `cannot create lock ${display}: ${errnoOf(e) ?? e}`);
    }
    takeOverIfStale(state, display);
  }
  throw new MpError('MP301', `lock ${display} is contended by other runs; try again`);
}

/** Remove a stale lock, or throw MP301 when its holder is alive. */
function takeOverIfStale(state: OpenDir, display: string): void {
  const at = fdPath(state.fd, 'lock');
  const lock = readLockFile(at, display);
  if (lock === null) return;
  const holder = parseLock(lock.text);
  const young = Date.now() - lock.st.mtimeMs < 10_000;
  if (holder === null && young) throw new MpError('MP301', `lock ${display} is being taken by another run`);
  if (holder !== null && holderAlive(holder.pid, holder.start)) {
    throw new MpError('MP301', `another run holds the lock ${display}: pid ${holder.pid}`, {
      notes: [`if process ${holder.pid} is not momentum-perms, remove ${display} by hand`],
    });
  }
  // Rename first (atomic: of two runs taking over, one wins), then check that what moved is the stale
  // lock read above and not a lock another run has just created.
  const aside = fdPath(state.fd, `lock.stale.${process.pid}`);
  try {
    fs.renameSync(at, aside);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return;
    throw new MpError('MP303', `cannot take over the stale lock ${display}: ${errnoOf(e) ?? e}`);
  }
  try {
    const moved = fs.lstatSync(aside);
    if (moved.ino !== lock.st.ino) {
      try {
        fs.linkSync(aside, at);
      } catch {
        // someone else holds a newer lock already; theirs stands
      }
      throw new MpError('MP301', `lock ${display} was taken by another run meanwhile`);
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function release(at: string, mine: string): void {
  try {
    // Only remove the lock if it is still ours (a takeover by another run must not be undone).
    if (readLockFile(at, at)?.text === mine) fs.unlinkSync(at);
  } catch {
    // already gone, or not ours
  }
}
