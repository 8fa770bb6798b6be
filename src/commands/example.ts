/**
 * `momentum-perms example`: build a small Momentum install with planted drift in a temporary directory,
 * audit it with `--root`, and remove it (or keep it to try fix and undo on).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExample } from '../example/build.js';
import { exampleEndText, exampleIntroText, exampleLeftText } from '../report/notices.js';
import { auditReported } from './audit.js';
import { exitStatus } from '../exit.js';
import type { Io } from './io.js';
import { MpError } from '../errors.js';
import { openDirChain } from '../io/secure-path.js';
import { errnoOf } from '../io/fs.js';
import { fdPath } from '../io/fd.js';

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
const asRoot = (): boolean => process.geteuid?.() === 0;

/** The directory the example is built in, open, with its path and how it was made. */
interface Top {
  fd: number;
  dir: string;
  /** Made by mkdtemp: root's (or the user's), mode 0700, so no other account can reach anything inside. */
  temporary: boolean;
}

/** A new temporary directory (0700: no other account can enter it, whatever is given away below it). */
function tempTop(): Top {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-perms-example-'));
  return { fd: fs.openSync(dir, DIR_FLAGS), dir, temporary: true };
}

/**
 * `--root DIR` for the example: DIR is created, or must be an empty directory (nothing of the user's is
 * overwritten). As root, DIR and every directory above it must be root's and let no other account rename
 * what is in them (sticky /tmp is fine): stops an account that can write there from swapping DIR, or a
 * directory above it, for its own between the check and the build. DIR is then used through its descriptor.
 */
function rootTop(dir: string): Top {
  const abs = path.resolve(dir);
  let fd: number;
  if (asRoot()) {
    fd = openDirChain({ dir: '/' }, abs, true, 'MP300').fd;
  } else {
    fs.mkdirSync(abs, { recursive: true });
    try {
      fd = fs.openSync(abs, DIR_FLAGS);
    } catch (e) {
      throw new MpError('MP300', `--root ${abs} cannot be opened as a directory: ${errnoOf(e) ?? String(e)}`);
    }
  }
  if (fs.readdirSync(fdPath(fd)).length > 0) {
    fs.closeSync(fd);
    throw new MpError('MP300', `--root ${abs} is not empty: the example is built only in a new or empty directory`);
  }
  return { fd, dir: abs, temporary: false };
}

/**
 * Remove everything below the directory open as `fd`, through descriptors (names looked up in the pinned
 * directory, directories opened O_NOFOLLOW). Only used on a temporary 0700 directory no other account can
 * enter: a path-based recursive removal could be steered by directory swaps into deleting files elsewhere.
 */
function removeBelow(fd: number): void {
  for (const name of fs.readdirSync(fdPath(fd))) {
    const at = fdPath(fd, name);
    if (fs.lstatSync(at).isDirectory()) {
      const sub = fs.openSync(at, DIR_FLAGS);
      try {
        removeBelow(sub);
      } finally {
        fs.closeSync(sub);
      }
      fs.rmdirSync(at);
    } else {
      fs.unlinkSync(at);
    }
  }
}

/** Remove the temporary directory: its content through descriptors, then the directory itself if it is still the one made. */
function removeTemporary(top: Top): void {
  const st = fs.fstatSync(top.fd);
  removeBelow(top.fd);
  const parent = fs.openSync(path.dirname(top.dir), DIR_FLAGS);
  try {
    const at = fdPath(parent, path.basename(top.dir));
    const now = fs.lstatSync(at, { throwIfNoEntry: false });
    if (now !== undefined && now.dev === st.dev && now.ino === st.ino) fs.rmdirSync(at);
  } finally {
    fs.closeSync(parent);
  }
}

/**
 * Exit status: 0 when the example was built and audited (its findings are planted on purpose), the audit's
 * own status when it could not examine something (3), and 2 through MpError as everywhere.
 */
export async function runExample(o: { keep?: boolean; json?: boolean; root?: string }, io: Io): Promise<number> {
  const top = o.root === undefined ? tempTop() : rootTop(o.root);
  const dir = top.dir;
  // An example built where the user asked is theirs to keep.
  let keep = o.keep === true || o.root !== undefined;
  try {
    const ex = buildExample(top.fd, dir);
    if (!o.json) {
      const who = ex.ids.userUid === ex.ids.rootUid ? `uid ${ex.ids.userUid} (not root: that uid plays ecuser, and files that should be root's are yours)` : `ecuser = uid ${ex.ids.userUid}, real ownership`;
      io.out(exampleIntroText(dir, who, ex.drift, io.color));
    }
    const result = await auditReported(o.json ? { root: dir, format: 'json' } : { root: dir }, io);
    if (!o.json) io.out(exampleEndText(dir, keep, io.color));
    return exitStatus({ kind: 'audit', summary: result.summary, findingsPlanted: true });
  } catch (e) {
    // A failed run removes a temporary example (0700: only root reaches inside). An example in --root DIR
    // is left as it is: parts of it may already be the service account's, and nothing is removed by path
    // in a tree another account can write.
    if (top.temporary) keep = false;
    else io.err(exampleLeftText(dir));
    throw e;
  } finally {
    try {
      if (!keep) removeTemporary(top);
    } finally {
      fs.closeSync(top.fd);
    }
  }
}
