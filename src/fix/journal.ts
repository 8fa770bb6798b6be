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
   * fails on any existing name, a planted symlink included. Writes the header and makes the new name durable.
   */
  static create(dirFd: number, name: string, display: string, header: JournalHeader, maxBytes = JOURNAL_MAX_BYTES): JournalWriter {
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
        fs.fsyncSync(fd);
        fs.fsyncSync(dirFd);
      });
    } catch (e) {
      w.close();
      throw e;
    }
    return w;
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
    // The line goes straight into the pending buffer, where append() writes it from: no string kept per line
    // (kept until the batch is written, a million of them outlived the young generation and filled the old).
    const at = this.pendingLen;
    // Never too little (Buffer.write would cut the line short): 107 bytes of keys and punctuation, eight
    // numbers of at most 25 characters each, and at most 6 bytes for each UTF-16 unit of the strings (\uXXXX).
    const room = 512 + 6 * (r.path.length + r.tree.length + r.type.length);
    if (this.pending.length - at < room) this.grow(at + room);
    const bytes = encodeRecord(this.pending, at, r);
    if (r.before.uid === this.serviceUid || r.after.uid === this.serviceUid) {
      if (this.serviceWritten + bytes > this.maxBytes) return false;
      this.serviceWritten += bytes;
    }
    this.pendingLen = at + bytes;
    this.admitted.push(r);
    return true;
  }

  /** Records admit() accepted since the last append(), and their lines, encoded (`pendingLen` bytes). */
  private admitted: JournalRecord[] = [];
  private pending = Buffer.allocUnsafe(1 << 16);
  private pendingLen = 0;

  private grow(need: number): void {
    let size = this.pending.length;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.pending.copy(next, 0, 0, this.pendingLen);
    this.pending = next;
  }

  /**
   * `sync: false`: written, not yet durable; the caller makes it durable (fdatasync of `descriptor`) before it
   * makes any of the changes, and reports a failure with syncFailed().
   */
  append(records: readonly JournalRecord[], opts: { sync?: boolean } = {}): void {
    const made = this.admitted;
    const len = this.pendingLen;
    this.admitted = [];
    this.pendingLen = 0;
    if (records.length === 0) return;
    // The lines admit() encoded when the records are the ones it admitted, in order; else made here.
    const same = records.length === made.length && records.every((r, i) => r === made[i]);
    const buf = same ? this.pending.subarray(0, len) : Buffer.from(records.map(recordLine).join(''), 'utf8');
    const bytes = buf.length;
    if (this.written + bytes > 2 * this.maxBytes) {
      throw new MpError('MP305', `journal ${this.path} would exceed ${2 * this.maxBytes} bytes: the fix stops here`, {
        notes: ['nothing recorded in it after this point was changed; run fix again to go on (a new journal)'],
      });
    }
    this.written += bytes;
    this.guard(() => {
      this.writeBuffer(buf);
      if (opts.sync !== false) fs.fdatasyncSync(this.fd);
    });
    // A batch of long escaped names (the service account's: 6 bytes a character) grew it to megabytes: given
    // back, not kept for the rest of the run.
    if (this.pending.length > 1 << 20) this.pending = Buffer.allocUnsafe(1 << 16);
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
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private maxBytes = JOURNAL_MAX_BYTES;

  private writeBuffer(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
  }
}

/** One record as a line, keys in a fixed order (`path, dev, ino, before, after, type, tree`). */
export function recordLine(r: JournalRecord): string {
  const b = r.before;
  const a = r.after;
  return (
    `{"path":${jsonString(r.path)},"dev":${r.dev},"ino":${r.ino},` +
    `"before":{"uid":${b.uid},"gid":${b.gid},"mode":${b.mode}},` +
    `"after":{"uid":${a.uid},"gid":${a.gid},"mode":${a.mode}},` +
    `"type":"${r.type}","tree":${jsonString(r.tree)}}\n`
  );
}

/**
 * recordLine(r), encoded as UTF-8 into `buf` at `at` (which has room for it); returns its bytes. The inode
 * number is written digit by digit: made a string, each of a million distinct numbers would be kept alive by
 * V8's number-to-string cache long enough to reach the old generation, which then grows with the spool.
 */
export function encodeRecord(buf: Buffer, at: number, r: JournalRecord): number {
  const b = r.before;
  const a = r.after;
  let o = at + buf.write(`{"path":${jsonString(r.path)},"dev":${r.dev},"ino":`, at, 'utf8');
  o = writeDigits(buf, o, r.ino);
  o += buf.write(
    `,"before":{"uid":${b.uid},"gid":${b.gid},"mode":${b.mode}},"after":{"uid":${a.uid},"gid":${a.gid},"mode":${a.mode}},` +
      `"type":"${r.type}","tree":${jsonString(r.tree)}}\n`,
    o,
    'utf8',
  );
  return o - at;
}

/** `String(n)` for a non-negative safe integer, as ASCII digits at `o`; anything else through String(). */
function writeDigits(buf: Buffer, o: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return o + buf.write(String(n), o, 'latin1');
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = n;
  for (let i = o + digits - 1; i >= o; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return o + digits;
}

/** Printable ASCII but `"` and `\`: what JSON.stringify leaves as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify(s), without its call for the plain names a spool is made of. */
function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** A journal file name that sorts by time: `2026-11-26T10-00-00.123Z-fix-4242.jsonl`. */
export function journalName(command: 'fix' | 'undo', now: Date, pid: number): string {
  return `${now.toISOString().replace(/:/g, '-')}-${command}-${pid}.jsonl`;
}
