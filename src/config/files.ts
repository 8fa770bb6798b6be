import * as nodeFs from 'node:fs';
import { MpError } from '../errors.js';
import { errnoOf, fdPath } from '../io/fd.js';
import { hostPath, realFs, type FsLike, type Root } from '../io/fs.js';
import { openSafe } from '../io/safe-open.js';
import type { Pos } from './ast.js';
import { errorAt } from './source.js';

/** Largest configuration file read. Real ones are kilobytes; the cap keeps a planted huge file from eating memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type FileKind = 'file' | 'dir' | 'missing' | 'other';

/** Where a read was asked for, so that its failure can point there. */
export interface Cause {
  pos: Pos;
  /** The text holding `pos`, or undefined when it must not be quoted. */
  text: string | undefined;
}

/** A file's text, and whether error messages may quote it. */
export interface FileText {
  text: string;
  /**
   * Only files anyone may read are quoted in errors: an include of /etc/shadow planted by whoever can edit
   * the configuration must not carry its lines into a root run's output (a terminal, a cron mail, a log).
   */
  quotable: boolean;
}

export function errorOf(code: 'MP104' | 'MP107', message: string, cause: Cause | undefined): MpError {
  return cause ? errorAt(code, message, cause.pos, cause.text) : new MpError(code, message);
}

function fail(message: string, cause: Cause | undefined): MpError {
  return errorOf('MP107', message, cause);
}

/** What a Momentum path is, following symbolic links (include targets may be links). */
export function kindOf(fs: FsLike, root: Root, p: string, cause?: Cause): FileKind {
  let st;
  try {
    st = fs.statSync(hostPath(root, p), { throwIfNoEntry: false });
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOTDIR' || code === 'ENOENT') return 'missing';
    throw fail(`cannot examine ${p}: ${code ?? String(e)}`, cause);
  }
  if (!st) return 'missing';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  return 'other';
}

/**
 * Kernel pseudo-filesystems (statfs f_type, linux/magic.h). Their "regular" files are kernel interfaces, not
 * configuration: /proc/kmsg is a regular file of size 0 whose read blocks until the kernel logs (and consumes
 * the message), sysfs and debugfs files run driver code on read. Whoever can edit the configuration could name
 * one in an include, in Local_Changes_File or in CONFFILE= and hang a root run that holds the fix lock.
 */
export const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x65735543, 'fusectl'],
  [0x1cd1, 'devpts'],
  [0x42494e4d, 'binfmt_misc'],
  [0x67596969, 'rpc_pipefs'],
  [0x6e667364, 'nfsd'],
  [0xabba1974, 'xenfs'],
]);

const TOO_LARGE = 'too large';

type Read = { text: string; mode: number } | { refused: string };

/**
 * Read a regular file on a real filesystem, by name (links followed), on one inode: the name is opened with
 * O_PATH (no driver open(), no FIFO block), fstat says it is a regular file, statfs of /proc/self/fd/N says
 * which filesystem holds that inode, and only then is that inode opened for reading, with O_NONBLOCK.
 * - a FIFO, socket or device: refused before any open() that could block or run a driver;
 * - a file of a kernel pseudo-filesystem (/proc/kmsg: "regular", size 0, blocks): refused by filesystem type;
 * - anything else that would block anyway (a mandatory lock, a file that answers EAGAIN): refused, not waited on;
 * - a file that grows past the cap after the fstat: refused, never read whole (at most cap + 1 bytes are read).
 */
function readRealFile(host: string, maxBytes: number): Read {
  // The pin (openSafe, want 'any': O_PATH, links followed; the administrator names the file).
  const pin = openSafe(host, { want: 'any', follow: true });
  if ('refused' in pin) {
    if (pin.refused === 'missing') return { refused: 'it does not exist' };
    throw 'error' in pin ? pin.error : new Error(pin.refused);
  }
  const pfd = pin.fd;
  try {
    const st = pin.st;
    if (!st.isFile()) return { refused: 'not a regular file' };
    const via = fdPath(pfd);
    const pseudo = PSEUDO_FILESYSTEMS.get(Number(nodeFs.statfsSync(via).type));
    if (pseudo !== undefined) return { refused: `a file of the ${pseudo} kernel filesystem, not configuration` };
    if (st.size > maxBytes) return { refused: TOO_LARGE };
    const { O_RDONLY, O_NOCTTY, O_NONBLOCK } = nodeFs.constants;
    const fd = nodeFs.openSync(via, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    try {
      const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
      let n = 0;
      for (;;) {
        let r: number;
        try {
          r = nodeFs.readSync(fd, buf, n, buf.length - n, null);
        } catch (e) {
          if (errnoOf(e) === 'EAGAIN') return { refused: 'its read would block' };
          throw e;
        }
        if (r === 0) break;
        n += r;
        if (n === buf.length) break;
      }
      if (n > maxBytes) return { refused: TOO_LARGE };
      return { text: buf.subarray(0, n).toString('utf8'), mode: st.mode };
    } finally {
      nodeFs.closeSync(fd);
    }
  } finally {
    nodeFs.closeSync(pfd);
  }
}

/** The same checks through another FsLike (memfs in tests): stat, then read. */
function readOtherFile(fs: FsLike, host: string, maxBytes: number): Read {
  const st = fs.statSync(host, { throwIfNoEntry: false });
  if (!st) return { refused: 'it does not exist' };
  if (!st.isFile()) return { refused: 'not a regular file' };
  if (st.size > maxBytes) return { refused: TOO_LARGE };
  return { text: fs.readFileSync(host, 'utf8'), mode: st.mode };
}

/**
 * Read a configuration file as UTF-8: only a regular file of sane size on a real filesystem (see readRealFile).
 * Every file the reader opens comes through here: the configuration, its includes, the local changes file and
 * the environment file, all of which whoever can edit the configuration can point elsewhere.
 */
export function readText(fs: FsLike, root: Root, p: string, cause?: Cause, maxBytes = MAX_CONFIG_BYTES, budget?: string): FileText {
  let r: Read;
  try {
    const host = hostPath(root, p);
    r = fs === realFs ? readRealFile(host, maxBytes) : readOtherFile(fs, host, maxBytes);
  } catch (e) {
    throw fail(`cannot read ${p}: ${errnoOf(e) ?? String(e)}`, cause);
  }
  if ('refused' in r) {
    if (budget !== undefined && r.refused === TOO_LARGE) throw errorOf('MP104', `cannot read ${p}: ${budget}`, cause);
    throw fail(`cannot read ${p}: ${r.refused === TOO_LARGE ? `larger than ${maxBytes} bytes` : r.refused}`, cause);
  }
  return { text: r.text, quotable: (r.mode & 0o004) !== 0 };
}

/**
 * Names in a directory, sorted by code unit (the "alphabetical" order ecelerity uses for directory includes).
 * At most `limit` entries are read: a directory of a million names planted by whoever can edit the
 * configuration is refused as soon as the budget is spent, not listed whole into memory. Returns undefined
 * when the directory holds more than `limit` entries.
 */
export function listDir(fs: FsLike, root: Root, p: string, cause: Cause | undefined, limit: number): string[] | undefined {
  const names: string[] = [];
  try {
    const d = fs.opendirSync(hostPath(root, p));
    try {
      for (let e = d.readSync(); e !== null; e = d.readSync()) {
        if (names.length >= limit) return undefined;
        names.push(e.name);
      }
    } finally {
      d.closeSync();
    }
  } catch (e) {
    throw fail(`cannot list ${p}: ${errnoOf(e) ?? String(e)}`, cause);
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
