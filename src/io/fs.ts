import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { openSafe, readAllFd } from './safe-open.js';

/**
 * The narrow filesystem interface the read-only core uses (configuration reader, rules loader, walk).
 * It is a subset of node:fs's synchronous API so that memfs's `createFsFromVolume(vol)` satisfies it in
 * unit tests. The fixer does not use it: changes go through file descriptors on the real disk (src/fix/).
 *
 * Synchronous on purpose: the walk measured fastest and smallest with opendirSync + lstatSync, and a sync
 * walk cannot outrun its consumer (the async fast-glob stream ignores backpressure).
 */
export interface FsLike {
  readFileSync(p: string, enc: 'utf8'): string;
  readFileSync(p: string): Buffer;
  lstatSync(p: string, opts?: { throwIfNoEntry?: boolean }): nodeFs.Stats | undefined;
  statSync(p: string, opts?: { throwIfNoEntry?: boolean }): nodeFs.Stats | undefined;
  readdirSync(p: string): string[];
  opendirSync(p: string): { readSync(): { name: string } | null; closeSync(): void };
}

export const realFs: FsLike = nodeFs as unknown as FsLike;

/**
 * `--root DIR`: DIR stands for `/` for every path the tool reads or changes, the way `rpm --root` does.
 * Paths the tool prints are always Momentum's own (`/opt/msys/…`), never prefixed with DIR.
 */
export interface Root {
  /** Absolute host directory that stands for `/`; `/` when --root is not given. */
  readonly dir: string;
}

export function makeRoot(dir: string | undefined): Root {
  return { dir: dir === undefined || dir === '' ? '/' : path.resolve(dir) };
}

/** Host path of a Momentum path. */
export function hostPath(root: Root, p: string): string {
  const abs = path.posix.resolve('/', p);
  return root.dir === '/' ? abs : root.dir + (abs === '/' ? '' : abs);
}

/** Momentum path of a host path under the root (the inverse of hostPath). */
export function momentumPath(root: Root, host: string): string {
  if (root.dir === '/') return host;
  if (host === root.dir) return '/';
  return host.startsWith(root.dir + '/') ? host.slice(root.dir.length) : host;
}

export { errnoOf, O_PATH } from './fd.js';

/**
 * Read a regular file by name, following links, without a window between "is it a regular file?" and the
 * read: on the real disk the name is opened with O_PATH (no driver open, no FIFO block), the descriptor is
 * checked with fstat, and only that inode is reopened for reading through /proc/self/fd. Stops a name swapped
 * for a FIFO (hangs a root run) or a link to a device (a driver's open() runs) after it was checked.
 * Other FsLike implementations (memfs in tests) get the plain stat-then-read.
 *
 * Returns the text and the file's mode, or the reason it was not read.
 */
export function readRegularFile(
  fs: FsLike,
  host: string,
  maxBytes: number,
): { text: string; mode: number } | { refused: 'missing' | 'not-regular' | 'too-large' } {
  if (fs !== realFs) {
    const st = fs.statSync(host, { throwIfNoEntry: false });
    if (!st) return { refused: 'missing' };
    if (!st.isFile()) return { refused: 'not-regular' };
    if (st.size > maxBytes) return { refused: 'too-large' };
    return { text: fs.readFileSync(host, 'utf8'), mode: st.mode };
  }
  // Links are followed: the configuration file is named by the administrator (or its default), and an
  // include may be a link; what matters here is that the inode checked is the one read.
  const got = openSafe(host, { want: 'file', follow: true, maxBytes });
  if ('refused' in got) {
    switch (got.refused) {
      case 'missing':
        return { refused: 'missing' };
      case 'too-large':
        return { refused: 'too-large' };
      case 'error':
        throw got.error;
      default:
        return { refused: 'not-regular' };
    }
  }
  try {
    const buf = readAllFd(got.fd, got.st.size, maxBytes);
    if (buf === null) return { refused: 'too-large' };
    return { text: buf.toString('utf8'), mode: got.st.mode };
  } finally {
    nodeFs.closeSync(got.fd);
  }
}
