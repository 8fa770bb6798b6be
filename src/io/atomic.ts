/**
 * The one atomic writer: replace a file by writing a temporary file beside it with an explicit mode (made
 * exact with fchmod, whatever the umask), fsync, rename over the target, fsync the directory. A reader (node_exporter, the post-upgrade hook) sees the old file or the new one, never half
 * of one, and a crash leaves at worst a stray temporary file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoOf } from './fd.js';
import { MpError } from '../errors.js';

export interface AtomicFile {
  /** Host path of the temporary file (for messages). */
  readonly tempPath: string;
  write(data: Buffer | string): void;
  /** fsync, rename over the target, fsync the directory. */
  commit(): void;
  /** Close and remove the temporary file; safe to call after a failure, and more than once. */
  abort(): void;
}

/**
 * Open a temporary file for `target` (a host path, or `fdPath(dirFd, name)` below a verified directory)
 * with exactly `mode` (the umask plays no part); messages name `display`. Throws MpError MP305 when the directory
 * cannot take it (missing, not a directory, unwritable).
 */
export function openAtomic(target: string, mode: number, display: string = target): AtomicFile {
  const dir = path.dirname(target);
  const shownDir = path.dirname(display);
  // Not a name ending in .prom or .snap: node_exporter and readers ignore it until the rename.
  const tempPath = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    // O_EXCL|O_NOFOLLOW: a link planted under the temporary name (in a shared directory) is refused, never
    // written through to the file it points at.
    fd = fs.openSync(
      tempPath,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      mode,
    );
  } catch (e) {
    throw new MpError('MP305', `cannot create a file in ${shownDir}: ${errnoOf(e) ?? String(e)}`);
  }
  // The umask must not decide who may read a root-only file (or keep node_exporter from reading a .prom).
  fs.fchmodSync(fd, mode);
  let open = true;
  const close = (): void => {
    if (open) {
      open = false;
      fs.closeSync(fd);
    }
  };
  return {
    tempPath,
    write(data) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      try {
        for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
      } catch (e) {
        throw new MpError('MP305', `cannot write ${display}: ${errnoOf(e) ?? String(e)}`);
      }
    },
    commit() {
      try {
        fs.fsyncSync(fd);
        close();
        fs.renameSync(tempPath, target);
      } catch (e) {
        throw new MpError('MP305', `cannot write ${display}: ${errnoOf(e) ?? String(e)}`);
      }
      fsyncDir(dir);
    },
    abort() {
      try {
        close();
      } catch {
        // already failing: the temporary file is removed below all the same
      }
      try {
        fs.unlinkSync(tempPath);
      } catch {
        // gone already (committed or never created)
      }
    },
  };
}

/** Make a rename durable. Some filesystems refuse fsync on a directory: the rename is still atomic. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write a whole file atomically. */
export function writeAtomic(target: string, data: string | Buffer, mode: number): void {
  const f = openAtomic(target, mode);
  try {
    f.write(data);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}
