import { MpError } from '../errors.js';
import { errnoOf, hostPath, readRegularFile, type FsLike, type Root } from '../io/fs.js';
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

function fail(message: string, cause: Cause | undefined): MpError {
  return cause ? errorAt('MP107', message, cause.pos, cause.text) : new MpError('MP107', message);
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
 * Read a configuration file as UTF-8. Only regular files of sane size are read: a FIFO or a device named by an
 * include would block or never end (an attack on a root run by whoever can edit the configuration). The check
 * and the read are made on one descriptor (readRegularFile), so a swap in between is not possible either.
 */
export function readText(fs: FsLike, root: Root, p: string, cause?: Cause): FileText {
  let r;
  try {
    r = readRegularFile(fs, hostPath(root, p), MAX_CONFIG_BYTES);
  } catch (e) {
    throw fail(`cannot read ${p}: ${errnoOf(e) ?? String(e)}`, cause);
  }
  if ('refused' in r) {
    const why = { missing: 'it does not exist', 'not-regular': 'not a regular file', 'too-large': `larger than ${MAX_CONFIG_BYTES} bytes` };
    throw fail(`cannot read ${p}: ${why[r.refused]}`, cause);
  }
  return { text: r.text, quotable: (r.mode & 0o004) !== 0 };
}

/** Names in a directory, sorted by code unit (the "alphabetical" order ecelerity uses for directory includes). */
export function listDir(fs: FsLike, root: Root, p: string, cause?: Cause): string[] {
  try {
    return fs.readdirSync(hostPath(root, p)).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (e) {
    throw fail(`cannot list ${p}: ${errnoOf(e) ?? String(e)}`, cause);
  }
}
