/**
 * The journal: one JSON line per change, appended and fsynced before the change is made, so that a run
 * killed at any moment leaves a record of everything it may have changed. Lines are written in batches
 * (one write and one fsync per batch, then the batch is applied): each change is still durable before it
 * is made.
 */
import * as fs from 'node:fs';
import { MpError } from '../errors.js';
import { errnoOf, fdPath } from '../io/fd.js';
import type { JournalHeader, JournalRecord } from './types.js';

/**
 * The most one journal may hold for the service account's own entries, and how many journals the state
 * directory keeps. The service account chooses how many of its entries drift and how long their names are
 * (200,000 files below 3.5 kB of directory names made one post-upgrade journal 780 MB, and it can do so again
 * before every run): bounded, a fix cannot fill the file system that holds /var/lib while a package
 * transaction runs. Past the limit, changes to entries the service account owns (before or after) are
 * refused, reported, and the run goes on: it must not be stopped before it reaches root's files, which come
 * later in the walk. Everything else is journaled up to twice the limit, then the run stops (MP305).
 */
export const JOURNAL_MAX_BYTES = 1 << 30;
export const JOURNALS_KEPT = 20;

const CREATE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW | fs.constants.O_APPEND;

/** A journal being written. */
export class JournalWriter {
  private written = 0;
  private serviceWritten = 0;
  private serviceUid = -1;

  private constructor(
    private fd: number,
    /** Momentum path of the journal, as reports print it. */
    readonly path: string,
  ) {}

  /**
   * Create `name` inside the open directory `dirFd`, root-only (0600), never through a link: O_CREAT|O_EXCL
   * fails on any existing name, a planted symlink included. Writes the header and makes the new name durable,
   * or, with `deferred`, leaves that to the first change batch (see `creation`), which also removes the old
   * journals `deferred` names once it is made.
   */
  static create(dirFd: number, name: string, display: string, header: JournalHeader, maxBytes = JOURNAL_MAX_BYTES, deferred: readonly string[] | null = null): JournalWriter {
    let fd: number;
    try {
      fd = fs.openSync(fdPath(dirFd, name), CREATE_FLAGS, 0o600);
    } catch (e) {
      const code = errnoOf(e) ?? 'EIO';
      if (code === 'EEXIST') throw new MpError('MP300', `journal ${display} already exists: name a new file`);
      throw new MpError('MP303', `cannot create journal ${display}: ${code}`);
    }
    const w = new JournalWriter(fd, display);
    w.maxBytes = maxBytes;
    w.serviceUid = header.service?.uid ?? -1;
    try {
      w.guard(() => {
        // The umask can only take bits away; fchmod makes the mode exactly 0600 whatever it was.
        fs.fchmodSync(fd, 0o600);
        const head = JSON.stringify(header) + '\n';
        w.writeBuffer(Buffer.from(head, 'utf8'));
        if (deferred !== null) return;
        fs.fsyncSync(fd);
        fs.fsyncSync(dirFd);
      });
    } catch (e) {
      w.close();
      throw e;
    }
    if (deferred !== null) w.pendingCreation = { dirFd, prune: deferred };
    return w;
  }

  private pendingCreation: Creation | null = null;

  /**
   * A journal created with `deferred`, not yet made durable: the first change batch (natively, on the helper
   * thread: changeStart's dirFd and prune) fsyncs it and its directory before any change of the batch, then
   * removes the old journals; it calls creationTaken() once that batch is started. A run that changes nothing
   * under it gets both at close().
   */
  get creation(): Creation | null {
    return this.pendingCreation;
  }

  creationTaken(): void {
    this.pendingCreation = null;
  }

  /**
   * Append the records and fsync once. Returns only when they are on disk; throws MP305 when they could not
   * be written (a full disk: the service account can fill a filesystem it shares with the journal), and
   * then none of their changes may be made.
   */
  /**
   * Whether the change of this record may be journaled: always for root's and other accounts' entries, and
   * for the service account's own while they stay within the limit (counted as admitted).
   */
  admit(r: JournalRecord): boolean {
    // A string per line, joined and written once per batch by append(): made and dropped within one flush, they
    // die young. One call into Buffer for each line instead cost more than the rest of its encoding.
    const plainPath = PLAIN.test(r.path);
    // One tree for thousands of entries in a row: tested when it changes.
    if (r.tree !== this.lastTree) {
      this.lastTree = r.tree;
      this.lastTreePlain = PLAIN.test(r.tree);
    }
    const plainTree = this.lastTreePlain;
    const line = lineOf(r, plainPath, plainTree);
    // Both names left as they are: the line is ASCII (so are the type and the numbers), a byte a character.
    const bytes = plainPath && plainTree ? line.length : Buffer.byteLength(line, 'utf8');
    if (r.before.uid === this.serviceUid || r.after.uid === this.serviceUid) {
      if (this.serviceWritten + bytes > this.maxBytes) return false;
      this.serviceWritten += bytes;
    }
    this.admitted.push(r);
    this.lines.push(line);
    return true;
  }

  /** The tree of the last record admitted, and whether it is PLAIN. */
  private lastTree = '';
  private lastTreePlain = true;

  /** Records admit() accepted since the last append(), and their lines. */
  private admitted: JournalRecord[] = [];
  private lines: string[] = [];

  /**
   * `sync: false`: written, not yet durable; the caller makes it durable (fdatasync of `descriptor`) before it
   * makes any of the changes, and reports a failure with syncFailed().
   */
  append(records: readonly JournalRecord[], opts: { sync?: boolean } = {}): void {
    const made = this.admitted;
    const lines = this.lines;
    // Counted first: `records` may be the very array emptied below.
    const count = records.length;
    let text = '';
    try {
      // The lines admit() made when the records are the ones it admitted, in order; else made here.
      const same = count === made.length && records.every((r, i) => r === made[i]);
      if (count > 0) text = same ? lines.join('') : records.map(recordLine).join('');
    } finally {
      // Emptied, not replaced: a new array literal begins as one of small integers, and the compiled admit() stops
      // at the first record it is given (a deoptimization in every run, and a compilation more).
      made.length = 0;
      lines.length = 0;
    }
    if (count === 0) return;
    const buf = Buffer.from(text, 'utf8');
    const bytes = buf.length;
    if (this.written + bytes > 2 * this.maxBytes) {
      throw new MpError('MP305', `journal ${this.path} would exceed ${2 * this.maxBytes} bytes: the fix stops here`, {
        notes: ['nothing recorded in it after this point was changed; run fix again to go on (a new journal)'],
      });
    }
    this.written += bytes;
    const c = opts.sync === false ? null : this.pendingCreation;
    // Taken whatever happens: a sync that failed once is not trusted again (close() leaves the old journals).
    if (c !== null) this.pendingCreation = null;
    this.guard(() => {
      this.writeBuffer(buf);
      if (opts.sync === false) return;
      if (c === null) return fs.fdatasyncSync(this.fd);
      // A new journal synced here rather than by a change batch: its name in the directory too.
      fs.fsyncSync(this.fd);
      fs.fsyncSync(c.dirFd);
    });
    if (c !== null) removeJournals(c.dirFd, c.prune);
  }

  /** Run a write to the journal; an I/O error becomes MP305 (never a stack trace). */
  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      throw new MpError('MP305', `cannot write journal ${this.path}: ${errnoOf(e) ?? String(e)}`, {
        notes: ['nothing recorded in it after this point was changed'],
      });
    }
  }

  /** The journal's descriptor, for a change batch that makes it durable itself (append with `sync: false`). */
  get descriptor(): number {
    return this.fd;
  }

  /** The error for a journal whose deferred fdatasync failed: nothing after the last durable line was changed. */
  syncFailed(code: string): MpError {
    return new MpError('MP305', `cannot write journal ${this.path}: ${code}`, {
      notes: ['nothing recorded in it after this point was changed'],
    });
  }

  close(): void {
    const c = this.pendingCreation;
    this.pendingCreation = null;
    if (c !== null && this.fd >= 0) {
      // Nothing was changed under it (no batch took its creation): durable all the same, at no one's expense, and
      // the old journals removed only once it is.
      try {
        fs.fsyncSync(this.fd);
        fs.fsyncSync(c.dirFd);
        removeJournals(c.dirFd, c.prune);
      } catch {
        // a journal of no change: its loss loses nothing, and the old ones stay
      }
    }
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.admitted.length = 0;
    this.lines.length = 0;
  }

  private maxBytes = JOURNAL_MAX_BYTES;

  private writeBuffer(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
  }
}

/**
 * One record as a line, keys in a fixed order (`path, dev, ino, before, after, type, tree`). The inode number
 * through JSON.stringify, which writes its digits into a new string: made in a template, each of a million
 * distinct numbers would be kept alive by V8's number-to-string cache long enough to reach the old generation,
 * which then grows with the spool.
 */
export function recordLine(r: JournalRecord): string {
  return lineOf(r, PLAIN.test(r.path), PLAIN.test(r.tree));
}

/** recordLine(r), told whether each name is PLAIN (admit() needs to know too: tested once). */
function lineOf(r: JournalRecord, plainPath: boolean, plainTree: boolean): string {
  const b = r.before;
  const a = r.after;
  return (
    `{"path":${plainPath ? `"${r.path}"` : JSON.stringify(r.path)},"dev":${r.dev},"ino":${JSON.stringify(r.ino)},` +
    `"before":{"uid":${b.uid},"gid":${b.gid},"mode":${b.mode}},` +
    `"after":{"uid":${a.uid},"gid":${a.gid},"mode":${a.mode}},` +
    `"type":"${r.type}","tree":${plainTree ? `"${r.tree}"` : JSON.stringify(r.tree)}}\n`
  );
}

/** Printable ASCII but `"` and `\`: what JSON.stringify leaves as it is (a name so is written without its call). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** What a journal created with `deferred` still needs: its directory synced, the old journals removed. */
export interface Creation {
  readonly dirFd: number;
  readonly prune: readonly string[];
}

/**
 * The journals the tool named in the open directory `dirFd` (`2026-…-fix-PID.jsonl`), oldest first (their names
 * sort in the order they were made: see journalTime()); none when it cannot be read. Those beyond the newest
 * JOURNALS_KEPT are removed as a new one is made: journals are never trimmed otherwise, and the service account
 * decides how large each is. Names that are not the tool's are left alone.
 */
export function journalsIn(dirFd: number): string[] {
  try {
    return fs.readdirSync(fdPath(dirFd)).filter((n) => JOURNAL_NAME.test(n)).sort();
  } catch {
    return [];
  }
}

/**
 * The time a new journal is named by: now, or a millisecond after the newest journal's name (`names`, oldest first)
 * where the clock is behind it (set back, or ahead when that one was made). Named by the clock alone, the journal of
 * the last run would sort among the oldest, and be the first a later run removes: the one an administrator most
 * likely wants to undo. The header keeps the clock's own time. A name that matches JOURNAL_NAME but is no time
 * (seconds 60: not one the tool makes) is passed over for the newest that is one.
 */
export function journalTime(now: Date, names: readonly string[]): Date {
  for (let i = names.length - 1; i >= 0; i--) {
    const n = names[i] as string;
    // `2026-11-26T10-00-00.123Z…`: the colons of the ISO time were written as dashes.
    const t = Date.parse(`${n.slice(0, 13)}:${n.slice(14, 16)}:${n.slice(17, 24)}`);
    if (!Number.isFinite(t)) continue;
    if (t < now.getTime()) return now;
    const next = new Date(t + 1);
    // A name past the year 9999 is no longer one the tool knows (JOURNAL_NAME): the clock's then.
    return next.getUTCFullYear() <= 9999 ? next : now;
  }
  return now;
}

/** Remove the named journals from the open directory `dirFd` (root's alone), regular files only. */
export function removeJournals(dirFd: number, names: readonly string[]): void {
  for (const n of names) {
    try {
      const st = fs.lstatSync(fdPath(dirFd, n));
      if (st.isFile()) fs.unlinkSync(fdPath(dirFd, n));
    } catch {
      // gone already, or not ours to remove: the next run tries again
    }
  }
}

const JOURNAL_NAME = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-(fix|undo)-\d+\.jsonl$/;

/** A journal file name that sorts by time: `2026-11-26T10-00-00.123Z-fix-4242.jsonl`. */
export function journalName(command: 'fix' | 'undo', now: Date, pid: number): string {
  return `${now.toISOString().replace(/:/g, '-')}-${command}-${pid}.jsonl`;
}
