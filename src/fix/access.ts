/**
 * Reaching an entry without following links. Node has no openat(), but `/proc/self/fd/<dirfd>/<name>` is
 * one: the magic link jumps to the open directory and `name` is looked up inside it. Every directory from
 * the root down is opened with O_DIRECTORY|O_NOFOLLOW relative to the one above it, and the open chain is
 * kept from one entry to the next (a spool directory holds thousands of entries).
 */
import { typeOfMode as walkTypeOfMode } from '../walk/entry.js';
import * as fs from 'node:fs';
import type { EntryType } from '../types.js';
import { O_PATH } from './types.js';
import type { Perms } from './safety.js';
import { fstatOf, openAt } from '../io/native.js';
import { permsWithAcl } from '../io/acl.js';
import { errnoOf } from '../io/fd.js';

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
/** O_PATH|O_NOFOLLOW: any type, a link itself, no driver's open(). */
export const ENTRY_FLAGS = O_PATH | fs.constants.O_NOFOLLOW;

/** What fstat said about an open directory. */
export interface DirNode extends Perms {
  dev: number;
  ino: number;
}

/** Why a path could not be reached. `symlink`: a link sits where a directory was expected. */
export class ReachError extends Error {
  constructor(
    readonly kind: 'symlink' | 'vanished' | 'not-dir' | 'errno',
    readonly errno: string,
    readonly at: string,
  ) {
    super(`${kind} ${errno} at ${at}`);
  }
}


/**
 * The entry type of an fstat mode: the walk's mapping (one definition of S_IFMT's kinds), with a mode Linux
 * never produces taken as a device, which every check then treats as the most restricted kind.
 */
export function typeOfMode(mode: number): EntryType {
  return walkTypeOfMode(mode) ?? 'block';
}

function codeOf(e: unknown): string {
  return errnoOf(e) ?? 'EIO';
}

/** Open `name` inside the directory `dirFd` with O_PATH|O_NOFOLLOW: any type, links included, no driver open(). */
export function openEntry(dirFd: number, name: string): number {
  return openAt(dirFd, name, ENTRY_FLAGS);
}

/**
 * A name no lookup can take: 4,095 bytes or more, PATH_MAX with its NUL (and far past any file system's longest
 * name). The kernel fails it with ENAMETOOLONG, and so do these callers, on both paths (the native helpers refuse
 * it outright, with a TypeError). Only an edited journal gives undo one. Counted only when it could be that long:
 * three bytes at most for each UTF-16 unit.
 */
export function tooLong(name: string): boolean {
  return name.length >= 1365 && Buffer.byteLength(name, 'utf8') >= 4095;
}

/** A name the walk cannot have produced ("", ".", "..", or with a slash) is never looked up. */
export function badName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.includes('/');
}

/**
 * The chain of open directories from the root directory (--root, trusted: the administrator named it)
 * down to the directory of the current entry. Depth 0 is the root directory.
 */
export class DirChain {
  private readonly names: string[] = [];
  private readonly fds: number[] = [];
  private readonly nodes: DirNode[] = [];
  private current = '/';

  constructor(rootDir: string) {
    const fd = fs.openSync(rootDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    this.fds.push(fd);
    this.nodes.push(nodeOf(fd));
  }

  /**
   * Open the directory `dir` (a Momentum path) and return its depth. Components already open are kept.
   * Throws ReachError when a component is a link, not a directory, or gone.
   */
  enter(dir: string): number {
    if (dir === this.current) return this.names.length;
    const parts = dir === '/' ? [] : dir.slice(1).split('/');
    let keep = 0;
    while (keep < this.names.length && keep < parts.length && this.names[keep] === parts[keep]) keep++;
    this.truncate(keep);
    for (let i = keep; i < parts.length; i++) {
      const name = parts[i] as string;
      const at = '/' + parts.slice(0, i + 1).join('/');
      if (badName(name)) throw new ReachError('not-dir', 'EINVAL', at);
      if (tooLong(name)) throw new ReachError('errno', 'ENAMETOOLONG', at);
      const parentFd = this.fds[i] as number;
      let fd: number;
      try {
        fd = openAt(parentFd, name, DIR_FLAGS);
      } catch (e) {
        throw classify(e, parentFd, name, at);
      }
      this.names.push(name);
      this.fds.push(fd);
      this.nodes.push(nodeOf(fd));
      this.current = at;
    }
    return parts.length;
  }

  fd(depth: number): number {
    return this.fds[depth] as number;
  }

  node(depth: number): DirNode {
    return this.nodes[depth] as DirNode;
  }

  /** Re-read every open directory that is this inode (after the fix changed it). */
  refresh(dev: number, ino: number): void {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i] as DirNode;
      if (n.dev === dev && n.ino === ino) this.nodes[i] = nodeOf(this.fds[i] as number);
    }
  }

  /** Close every descriptor, the root directory's included. */
  close(): void {
    this.truncate(0);
    fs.closeSync(this.fds[0] as number);
    this.fds.length = 0;
    this.nodes.length = 0;
  }

  private truncate(depth: number): void {
    while (this.names.length > depth) {
      fs.closeSync(this.fds.pop() as number);
      this.nodes.pop();
      this.names.pop();
    }
    this.current = depth === 0 ? '/' : '/' + this.names.join('/');
  }
}

/** What fstat says of an open directory, with what its ACL says where that decides who can write it (io/acl.ts). */
function nodeOf(fd: number): DirNode {
  const s = fstatOf(fd);
  return { dev: s.dev, ino: s.ino, ...permsWithAcl(fd, s) };
}

/** Turn an open() failure on a directory component into a ReachError, telling a link from anything else. */
function classify(e: unknown, parentFd: number, name: string, at: string): ReachError {
  const code = codeOf(e);
  if (code === 'ENOENT') return new ReachError('vanished', code, at);
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return new ReachError('errno', code, at);
  try {
    const fd = openEntry(parentFd, name);
    try {
      const t = typeOfMode(fstatOf(fd).mode);
      return new ReachError(t === 'symlink' ? 'symlink' : 'not-dir', code, at);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e2) {
    return e2 instanceof ReachError ? e2 : new ReachError('vanished', codeOf(e2), at);
  }
}
