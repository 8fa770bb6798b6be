/**
 * The snapshot file format (docs/admin.md "Snapshot format"). One JSON header line, then one tab-separated line per
 * entry, then one JSON trailer line that carries the entry count (a truncated file is detected, never half
 * trusted):
 *
 *     {"format":"momentum-perms-snapshot","version":1,"created":"…","user":{…},"group":{…},"trees":[…],…}
 *     /opt/msys/ecelerity/etc<TAB>d<TAB>500<TAB>500<TAB>755<TAB>2049<TAB>131074
 *     …
 *     {"end":true,"entries":12345,"unreadable":[]}
 *
 * Entry lines start with `/` (a Momentum path), JSON lines with `{`. In a path, `\`, TAB and newline are
 * written `\\`, `\t` and `\n`, so every entry is exactly one line. The mode is octal, as administrators
 * write it. The whole file is gzip-compressed (a series of gzip members, which gzip and zcat read as one).
 */
import type { EntryType } from '../types.js';

export const SNAPSHOT_FORMAT = 'momentum-perms-snapshot';
export const SNAPSHOT_VERSION = 1;

/** What the first line records: when, of what, and the Security user and group as they resolved then. */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** ISO 8601 time the snapshot was started. */
  created: string;
  /** The host directory that stood for `/` (informational; entry paths are Momentum paths). */
  root: string;
  configFile: string;
  user: { name: string; id: number };
  group: { name: string; id: number };
  /** Trees whose every entry is recorded (Momentum paths). */
  trees: string[];
  /** Trees left out (spool trees without --include-spool): an entry below one is neither new nor known. */
  excluded: string[];
}

/** The last line. */
export interface SnapshotTrailer {
  end: true;
  entries: number;
  /** Places that could not be read while the snapshot was taken: treated as not covered. */
  unreadable?: string[];
}

/** One-letter type codes, as find(1) -printf %y writes them. */
const TYPE_CODE: Record<EntryType, string> = {
  file: 'f',
  dir: 'd',
  symlink: 'l',
  fifo: 'p',
  socket: 's',
  char: 'c',
  block: 'b',
};

/** Type codes by their character code, for the reader (no string per line). */
export const TYPE_BY_CHAR: ReadonlyMap<number, EntryType> = new Map(
  (Object.entries(TYPE_CODE) as [EntryType, string][]).map(([t, c]) => [c.charCodeAt(0), t]),
);

/** Small integer codes for the index's type column. */
export const TYPE_INDEX: readonly EntryType[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block'];

const NEEDS_ESCAPE = /[\\\t\n]/;

/** Escape a path for one line: `\` → `\\`, TAB → `\t`, newline → `\n`. Most paths need nothing. */
export function escapePath(p: string): string {
  if (!NEEDS_ESCAPE.test(p)) return p;
  return p.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}

/** The inverse of escapePath; undefined for a stray backslash (a damaged line). */
export function unescapePath(s: string): string | undefined {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === '\\') out += '\\';
    else if (n === 't') out += '\t';
    else if (n === 'n') out += '\n';
    else return undefined;
  }
  return out;
}

/** One entry line, newline included. */
export function entryLine(path: string, type: EntryType, uid: number, gid: number, mode: number, dev: number, ino: number): string {
  return `${escapePath(path)}\t${TYPE_CODE[type]}\t${uid}\t${gid}\t${(mode & 0o7777).toString(8)}\t${dev}\t${ino}\n`;
}
