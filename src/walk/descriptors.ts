/**
 * The walk on the real disk, through directory descriptors: no path is ever resolved again after the
 * directory holding it was opened.
 *
 * Stops: the service account, which owns the spool, replacing a directory the walk has seen (and queued)
 * with a symbolic link to `/` before it is listed: a path-based walk would then list and lstat the whole host
 * as if it were the spool (reports and snapshots full of root's paths, and work without end). Here each
 * directory is opened relative to its parent's descriptor with O_DIRECTORY|O_NOFOLLOW, and its fstat must
 * show the device and inode the parent's listing saw: a swap is an entry that vanished, never followed.
 * Children are listed through /proc/self/fd/N and examined with lstat through /proc/self/fd/N/name.
 *
 * Names are read as bytes: a name that is not UTF-8 is examined by its exact bytes (a decoy named with a
 * literal U+FFFD cannot stand in for it), reported as an `EILSEQ` error, and walked like any other.
 *
 * Memory stays flat: a directory is read in batches (opendir, never a whole readdir); a descriptor is kept
 * only while a directory still has sub-directories waiting (at most MAX_OPEN of them, the deepest; one
 * closed meanwhile is opened again from its nearest open ancestor, checking device and inode at each step).
 */
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { writableByNonRoot } from '../io/trust.js';
import { aclWriteOf, permsWithAcl, type AclWrite } from '../io/acl.js';
import { PIN_FLAGS } from '../io/fd.js';
import { errnoOf, type Root } from '../io/fs.js';
import { errnoName, fstatOf, nativeFs, openAt, type NativeFs } from '../io/native.js';
import { fdPath } from '../io/fd.js';
import { entryOf, parentOf, typeOfMode } from './entry.js';
import type { OnError, Visit, WalkOptions } from './index.js';

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
/** Descriptors kept for directories with sub-directories still waiting: the deepest ones, at most this many. */
export const MAX_OPEN = 64;
/** Entries read from the kernel per batch (pure-JS path; the native one takes what one getdents64 gives). */
const BATCH = 256;
const NO_THROW = { throwIfNoEntry: false } as const;
/** PATH_MAX (4096) counts the final NUL: a host path of 4096 bytes or more cannot be named. */
const PATH_MAX_BYTES = 4095;

/** A directory seen by its parent's listing and waiting to be listed. */
interface Frame {
  /** Momentum path (names that are not UTF-8 written with `\xNN` escapes). */
  path: string;
  /** The exact name in the parent directory. */
  name: string | Buffer;
  dev: number;
  ino: number;
  up: Frame | null;
  /** Open descriptor of this directory, or -1. */
  fd: number;
  /** Sub-directories pushed and not yet opened. */
  pending: number;
}

/**
 * A name as text: itself when it is UTF-8; otherwise every byte outside ASCII as `\xNN`, so that the name
 * can never print like (nor be matched as) another name that is valid UTF-8, such as one with U+FFFD.
 */
export function nameText(name: Buffer): string {
  if (isUtf8(name)) return name.toString('utf8');
  let s = '';
  for (const b of name) s += b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

/** `/proc/self/fd/N/name`: the name looked up in the directory open as N, and nowhere else. */
function at(dirFd: number, name: string | Buffer): string | Buffer {
  const prefix = fdPath(dirFd) + '/';
  return typeof name === 'string' ? prefix + name : Buffer.concat([Buffer.from(prefix), name]);
}

function isGone(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The working directory, open, so that it can be put back whatever its path has become; null if it cannot be. */
function isLink(p: string | Buffer): boolean {
  return fs.lstatSync(p, NO_THROW)?.isSymbolicLink() === true;
}

function isAncestor(f: Frame | null, dev: number, ino: number): boolean {
  for (let a = f; a !== null; a = a.up) if (a.dev === dev && a.ino === ino) return true;
  return false;
}

/**
 * Open a directory the listing saw, by its name in the directory open as `parentFd`: O_NOFOLLOW, and the
 * same device and inode as seen. Returns -1 when it was removed or replaced (by a link, a file, another
 * directory) since: that is a vanished entry, never followed.
 */
function openSeen(parentFd: number, name: string | Buffer, dev: number, ino: number): number {
  let fd: number;
  try {
    fd = openAt(parentFd, name, DIR_FLAGS);
  } catch (e) {
    const code = errnoOf(e);
    if (isGone(code) || code === 'ELOOP') return -1;
    throw e;
  }
  const st = fstatOf(fd);
  if (st.dev !== dev || st.ino !== ino) {
    fs.closeSync(fd);
    return -1;
  }
  return fd;
}

/**
 * The target of the link `name` in the open directory `dirFd` when only root could have made it and only
 * root can replace it: the link is root's and the directory is writable by root alone. Else null.
 */
function systemLink(dirFd: number, name: string): string | null {
  try {
    const dir = permsWithAcl(dirFd, fs.fstatSync(dirFd));
    const link = fs.lstatSync(at(dirFd, name));
    if (!link.isSymbolicLink() || link.uid !== 0 || writableByNonRoot(dir)) return null;
    return fs.readlinkSync(at(dirFd, name));
  } catch {
    return null;
  }
}

/** A directory passed on the way to a path, as it was opened (for the check of who could write it). */
export interface Passed {
  path: string;
  st: fs.Stats;
  /** What its access ACL says, where that decides who can write it (see io/acl.ts). */
  acl?: AclWrite;
}

/** A directory passed, as open as `fd`; with what its ACL says when `acl` (only directoriesTo's callers look). */
function passedAt(p: string, fd: number, acl: boolean): Passed {
  const st = fs.fstatSync(fd);
  const read = acl ? permsWithAcl(fd, st).acl : undefined;
  return read === undefined ? { path: p, st } : { path: p, st, acl: read };
}

/** The open parent of a path's last component, reached without following anything but root's own links. */
type Parent = { fd: number; name: string; parts: string[]; passed: Passed[] } | { errno: string } | { gone: true };

/**
 * Open the directory holding `p`'s last component, from --root down, one component at a time with
 * O_NOFOLLOW: a link on the way (planted in a directory the service account can write, above a nested tree)
 * would move everything below it elsewhere. A link only root could have made and only root can replace
 * (`/var/run` → `/run` on every current distribution) is the system's layout: it is resolved under --root,
 * component by component again, at most 8 of them. Any other link is ELOOP; nothing there is `gone`.
 * The caller closes `fd`. `acl`: read the access ACLs of the directories passed (see Passed).
 */
function openParent(root: Root, p: string, acl = false): Parent {
  let parts = p === '/' ? [] : p.slice(1).split('/');
  const passed: Passed[] = [];
  let fd: number;
  try {
    // --root is the administrator's choice: it is opened as given.
    fd = fs.openSync(root.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    const code = errnoOf(e);
    return isGone(code) ? { gone: true } : { errno: code ?? 'EIO' };
  }
  passed.push(passedAt('/', fd, acl));
  let links = 0;
  for (let i = 0; i < parts.length - 1; i++) {
    const name = parts[i] as string;
    let next: number;
    try {
      next = fs.openSync(at(fd, name), DIR_FLAGS);
    } catch (e) {
      const code = errnoOf(e);
      // O_DIRECTORY|O_NOFOLLOW on a link fails with ENOTDIR (or ELOOP).
      const isALink = code === 'ELOOP' || (code === 'ENOTDIR' && isLink(at(fd, name)));
      const target = isALink && links < 8 ? systemLink(fd, name) : null;
      fs.closeSync(fd);
      if (target === null) return isALink ? { errno: 'ELOOP' } : isGone(code) ? { gone: true } : { errno: code ?? 'EIO' };
      links++;
      const here = '/' + parts.slice(0, i).join('/');
      parts = [...path.posix.resolve(here, target).split('/').filter((x) => x !== ''), ...parts.slice(i + 1)];
      try {
        fd = fs.openSync(root.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      } catch (e2) {
        return { errno: errnoOf(e2) ?? 'EIO' };
      }
      i = -1;
      continue;
    }
    fs.closeSync(fd);
    fd = next;
    passed.push(passedAt('/' + parts.slice(0, i + 1).join('/'), fd, acl));
  }
  return { fd, name: parts[parts.length - 1] ?? '', parts, passed };
}

/**
 * lstat one Momentum path without following a link anywhere on the way (root's own links excepted, as
 * above): the configuration names paths the service account may have put links on the way to
 * (`paniclog = /var/tmp/l/.bashrc` with `/var/tmp/l` a link to /root), and the audit must not report, or a
 * fix plan, what lies behind them. Returns the Stats, undefined when gone, or throws the errno as Node does.
 */
export function lstatNoFollow(root: Root, p: string): fs.Stats | undefined {
  const r = openParent(root, p);
  if ('gone' in r) return undefined;
  if ('errno' in r) throw Object.assign(new Error(`${r.errno}: ${p}`), { code: r.errno });
  try {
    return r.parts.length === 0 ? fs.fstatSync(r.fd) : fs.lstatSync(at(r.fd, r.name), NO_THROW);
  } finally {
    fs.closeSync(r.fd);
  }
}

/**
 * What the access ACL of the entry at `p` says of write by accounts other than root (see io/acl.ts), reached as
 * lstatNoFollow reaches it; undefined when it is gone, cannot be reached, or is a link (which has none).
 */
export function aclNoFollow(root: Root, p: string): AclWrite | undefined {
  const r = openParent(root, p);
  if (!('fd' in r)) return undefined;
  let fd = -1;
  try {
    fd = r.parts.length === 0 ? r.fd : openAt(r.fd, r.name, PIN_FLAGS);
    return fs.fstatSync(fd).isSymbolicLink() ? undefined : aclWriteOf(fd);
  } catch {
    return undefined;
  } finally {
    if (fd >= 0 && fd !== r.fd) fs.closeSync(fd);
    fs.closeSync(r.fd);
  }
}

/** The directories passed on the way to `p`, as opened (root's own links followed): for who could write them. */
export function directoriesTo(root: Root, p: string): Passed[] {
  const r = openParent(root, p, true);
  if (!('fd' in r)) return [];
  fs.closeSync(r.fd);
  return r.passed;
}

export function walkByDescriptors(
  root: Root,
  tree: string,
  opts: WalkOptions,
  visit: Visit,
  onError: OnError,
  onVanished: () => void,
): void {
  const r = openParent(root, tree);
  if ('gone' in r) return;
  if ('errno' in r) return onError(tree, r.errno);
  let fd = r.fd;
  const { name, parts } = r;
  let top: Frame;
  try {
    let st: fs.Stats | undefined;
    try {
      st = parts.length === 0 ? fs.fstatSync(fd) : fs.lstatSync(at(fd, name), NO_THROW);
    } catch (e) {
      const code = errnoOf(e);
      if (!isGone(code)) onError(tree, code ?? 'EIO');
      return;
    }
    if (st === undefined) return;
    const type = typeOfMode(st.mode);
    if (type === undefined) return onError(tree, 'EBADTYPE');
    visit(entryOf(tree, st, type), parentOf(tree));
    if (type !== 'dir') return;
    const dirFd = parts.length === 0 ? fd : openSeen(fd, name, st.dev, st.ino);
    if (dirFd < 0) return onVanished();
    if (dirFd !== fd) fs.closeSync(fd);
    fd = -1;
    top = { path: tree, name, dev: st.dev, ino: st.ino, up: null, fd: dirFd, pending: 0 };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
  new DescriptorWalk(root.dir === '/' ? 0 : Buffer.byteLength(root.dir), top.dev, opts, visit, onError, onVanished).run(top);
}

class DescriptorWalk {
  private readonly stack: Frame[] = [];
  /** Frames holding a descriptor for sub-directories still waiting, shallowest first (the tree's root excepted). */
  private readonly held: Frame[] = [];
  /** One batch's lstat answers: mode, uid, gid, dev, ino, nlink per name; or an errno code (ENOENT: gone). */
  private readonly batch: { num: Float64Array; errno: (string | null)[] };
  /** The native helpers' errno numbers for one batch (native path). */
  private readonly errs: Int32Array;
  private readonly native: NativeFs | null = nativeFs();

  constructor(
    /** Bytes `--root` adds in front of every Momentum path (0 for `/`). */
    private readonly hostLength: number,
    private readonly rootDev: number,
    private readonly opts: WalkOptions,
    private readonly visit: Visit,
    private readonly onError: OnError,
    private readonly onVanished: () => void,
  ) {
    const size = this.native === null ? BATCH : Math.max(BATCH, this.native.MAX_BATCH);
    this.batch = { num: new Float64Array(size * 6), errno: new Array<string | null>(size).fill(null) };
    this.errs = new Int32Array(this.native === null ? 0 : size);
  }

  run(top: Frame): void {
    try {
      this.list(top);
      for (let f = this.stack.pop(); f !== undefined; f = this.stack.pop()) this.enter(f);
    } finally {
      // Only after an exception (a callback threw): close whatever is still open.
      for (const f of this.held) if (f.fd >= 0) fs.closeSync(f.fd);
      if (top.fd >= 0) fs.closeSync(top.fd);
    }
  }

  /** Open a popped frame through its parent, list it, and let go of the parent when it has nothing left waiting. */
  private enter(f: Frame): void {
    const up = f.up as Frame;
    let fd = -1;
    try {
      const pfd = this.descriptorOf(up);
      if (pfd >= 0) fd = openSeen(pfd, f.name, f.dev, f.ino);
    } catch (e) {
      this.onError(f.path, errnoOf(e) ?? 'EIO');
      fd = -2;
    } finally {
      if (--up.pending === 0) this.release(up);
    }
    if (fd === -1) return this.onVanished();
    if (fd < 0) return;
    f.fd = fd;
    this.list(f);
  }

  /** The descriptor of a waiting frame's directory, opened again from its nearest open ancestor if it was let go; -1 if it changed. */
  private descriptorOf(f: Frame): number {
    if (f.fd >= 0) return f.fd;
    const chain: Frame[] = [];
    let a: Frame = f;
    while (a.fd < 0) {
      chain.push(a);
      a = a.up as Frame; // the tree's root is never let go
    }
    let pfd = a.fd;
    // A directory opened on the way that has nothing left waiting is only passed through: closed at once.
    let passing = false;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i] as Frame;
      let fd: number;
      try {
        fd = openSeen(pfd, c.name, c.dev, c.ino);
      } finally {
        if (passing) fs.closeSync(pfd);
      }
      if (fd < 0) return -1;
      passing = c.pending === 0;
      if (!passing) this.hold(c, fd);
      pfd = fd;
    }
    return pfd;
  }

  private hold(f: Frame, fd: number): void {
    f.fd = fd;
    if (f.up === null) return;
    this.held.push(f);
    if (this.held.length > MAX_OPEN) {
      const old = this.held.shift() as Frame;
      fs.closeSync(old.fd);
      old.fd = -1;
    }
  }

  private release(f: Frame): void {
    // The tree's root stays open for the whole walk: every directory let go is opened again from it at worst.
    if (f.fd < 0 || f.up === null) return;
    fs.closeSync(f.fd);
    f.fd = -1;
    const i = this.held.lastIndexOf(f);
    if (i >= 0) this.held.splice(i, 1);
  }

  /**
   * lstat a batch of names in the directory open as `fd`: each answer is a set of numbers, gone (ENOENT) or
   * an errno code. Each name is looked up through /proc/self/fd/N/name: in that directory's inode and nowhere
   * else, as with fstatat(). (Changing the working directory into it would make each lookup cheaper, but the
   * working directory is the whole process's: a relative path anywhere else would resolve inside the tree.)
   */
  private lstatBatch(fd: number, prefix: string, names: (string | Buffer)[]): void {
    const out = this.batch;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string | Buffer;
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(typeof name === 'string' ? prefix + name : at(fd, name), NO_THROW);
      } catch (e) {
        out.errno[i] = errnoOf(e) ?? 'EIO';
        continue;
      }
      out.errno[i] = st === undefined ? 'ENOENT' : null;
      if (st === undefined) continue;
      // Numbers only: a batch of Stats objects kept alive until the batch is visited measured 20 MB
      // more peak memory on a million entries (they outlive the young generation).
      const n = out.num;
      const k = i * 6;
      n[k] = st.mode;
      n[k + 1] = st.uid;
      n[k + 2] = st.gid;
      n[k + 3] = st.dev;
      n[k + 4] = st.ino;
      n[k + 5] = st.nlink;
    }
  }

  /** List the open directory of `f` in batches; visit each entry; queue its sub-directories. */
  private list(f: Frame): void {
    let pushed = 0;
    try {
      pushed = this.native !== null ? this.listNative(this.native, f) : this.listByProc(f);
    } finally {
      f.pending = pushed;
      if (pushed === 0) this.release(f);
      else this.hold(f, f.fd);
    }
  }

  /**
   * Native: getdents64() on the directory's own descriptor and fstatat() of each name relative to it, one
   * call per batch. The descriptor is this frame's alone and listed once, so its file offset carries the
   * listing from one batch to the next.
   */
  private listNative(n: NativeFs, f: Frame): number {
    const base = f.path === '/' ? '' : f.path;
    const { num, errno } = this.batch;
    let pushed = 0;
    for (;;) {
      let names: (string | Buffer)[];
      try {
        names = n.listBatch(f.fd, num, this.errs);
      } catch (e) {
        this.unlisted(f, e);
        return pushed;
      }
      if (names.length === 0) return pushed;
      for (let i = 0; i < names.length; i++) {
        const code = this.errs[i] as number;
        errno[i] = code === 0 ? null : errnoName(code);
      }
      pushed += this.visitBatch(f, base, names);
    }
  }

  /** Pure JS: opendir through /proc/self/fd/N, lstat each name through /proc/self/fd/N/name. */
  private listByProc(f: Frame): number {
    const fd = f.fd;
    const base = f.path === '/' ? '' : f.path;
    const prefix = fdPath(fd) + '/';
    let pushed = 0;
    let dir: fs.Dir;
    try {
      dir = fs.opendirSync(fdPath(fd), { encoding: 'buffer' as BufferEncoding, bufferSize: BATCH });
    } catch (e) {
      this.unlisted(f, e);
      return 0;
    }
    const names: (string | Buffer)[] = [];
    try {
      for (let done = false; !done; ) {
        names.length = 0;
        while (names.length < BATCH) {
          let d: { name: Buffer } | null;
          try {
            d = dir.readSync() as unknown as { name: Buffer } | null;
          } catch (e) {
            this.unlisted(f, e);
            d = null;
          }
          if (d === null) {
            done = true;
            break;
          }
          names.push(isUtf8(d.name) ? d.name.toString('utf8') : d.name);
        }
        this.lstatBatch(fd, prefix, names);
        pushed += this.visitBatch(f, base, names);
      }
    } finally {
      dir.closeSync();
    }
    return pushed;
  }

  /**
   * A directory that could not be listed (further). ENOENT: it was removed after it was opened (getdents64 on
   * a removed directory says so; the spool does this all day with its temporary directories): vanished,
   * like an entry removed between the listing and its lstat. Anything else is an error finding.
   */
  private unlisted(f: Frame, e: unknown): void {
    const code = errnoOf(e) ?? 'EIO';
    if (code === 'ENOENT') this.onVanished();
    else this.onError(f.path, code);
  }

  /** Visit one examined batch of `f`'s entries and queue its sub-directories; returns how many were queued. */
  private visitBatch(f: Frame, base: string, names: (string | Buffer)[]): number {
    const { num, errno } = this.batch;
    let pushed = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string | Buffer;
      const utf8 = typeof name === 'string';
      const p = base + '/' + (utf8 ? name : nameText(name));
      // A path longer than the system's limit: no path-based tool (nor a person) can name it. Reported,
      // not entered, as a walk by path would (the check costs nothing for ordinary paths).
      if (p.length * 3 + this.hostLength > PATH_MAX_BYTES && Buffer.byteLength(p) + this.hostLength > PATH_MAX_BYTES) {
        this.onError(p, 'ENAMETOOLONG');
        continue;
      }
      const code = errno[i];
      if (code !== null) {
        if (isGone(code)) this.onVanished();
        else this.onError(p, code as string);
        continue;
      }
      const k = i * 6;
      const mode = num[k] as number;
      const type = typeOfMode(mode);
      if (type === undefined) {
        this.onError(p, 'EBADTYPE');
        continue;
      }
      const dev = num[k + 3] as number;
      const ino = num[k + 4] as number;
      // A name that is not UTF-8 was examined by its exact bytes, but no report, rule or fix can name it:
      // it is an error finding (status 3), never visited, and a directory is still walked, so that what
      // lies below cannot hide behind such a name (nor behind a decoy named with a literal U+FFFD).
      if (utf8) this.visit({ path: p, type, uid: num[k + 1] as number, gid: num[k + 2] as number, mode: mode & 0o7777, dev, ino, nlink: num[k + 5] as number }, f.path);
      else this.onError(p, 'EILSEQ');
      if (type !== 'dir' || (dev !== this.rootDev && !this.opts.crossFilesystems)) continue;
      // A bind mount of an ancestor below itself would make the walk endless (find: "file system loop").
      if (isAncestor(f, dev, ino)) this.onError(p, 'ELOOP');
      else {
        this.stack.push({ path: p, name, dev, ino, up: f, fd: -1, pending: 0 });
        pushed++;
      }
    }
    return pushed;
  }
}
