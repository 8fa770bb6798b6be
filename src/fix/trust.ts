/**
 * Files a root run takes orders from must be root's alone: a rules file (or the journal undo replays)
 * that the service account can edit would let it declare `/etc` a tree, or name the owner of anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, type ErrorCode } from '../errors.js';
import { errnoOf } from '../io/fs.js';
import { octal } from '../types.js';
import { writableByNonRoot } from './safety.js';

/** Why `s` (a file or directory) could be changed by someone other than root, or null. */
function why(s: fs.Stats): string | null {
  if (s.uid !== 0) return `is owned by uid ${s.uid}, not root`;
  if (writableByNonRoot({ uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 })) {
    return `is writable by ${(s.mode & 0o002) !== 0 ? 'everyone' : `group ${s.gid}`} (mode ${octal(s.mode)})`;
  }
  return null;
}

/**
 * Throw `code` unless the file at `host` and its directory are root-owned and writable by root alone.
 * A symlink is judged by both ends: the directory holding the link (whoever writes it can repoint the
 * link) and the file it resolves to, with that file's directory.
 */
export function assertRootOnly(host: string, display: string, code: ErrorCode): void {
  const fail = (what: string): never => {
    throw new MpError(code, `${display} ${what}: not trusted for a root fix`, {
      notes: ['make it and its directory owned by root and writable by root alone'],
    });
  };
  let l: fs.Stats;
  try {
    l = fs.lstatSync(host);
  } catch (e) {
    return fail(`cannot be checked (${errnoOf(e) ?? e})`);
  }
  const dirs = [path.dirname(host)];
  let real = host;
  if (l.isSymbolicLink()) {
    real = fs.realpathSync(host);
    dirs.push(path.dirname(real));
  }
  const file = fs.statSync(real);
  const fileWhy = why(file);
  if (fileWhy !== null) fail(fileWhy);
  for (const d of dirs) {
    const dWhy = why(fs.statSync(d));
    if (dWhy !== null) fail(`is in directory ${d} which ${dWhy}`);
  }
}

/** MP203 unless every rules file the run read (shipped, local override, --rules) is root's alone. */
export function assertRulesTrusted(files: readonly { host: string; display: string }[]): void {
  for (const f of files) assertRootOnly(f.host, `rules file ${f.display}`, 'MP203');
}
