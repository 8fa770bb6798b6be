import * as nodeFs from 'node:fs';
import * as path from 'node:path';

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

/** Node's errno code of a caught error, or undefined. */
export function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}
