/**
 * Reads a snapshot into a SnapshotIndex, streaming: the file (gzip or plain) is decompressed and split into
 * lines chunk by chunk, and each entry line is parsed straight from the bytes. Only the index stays.
 */
import * as fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { errnoOf } from '../io/fd.js';
import { openSafe } from '../io/safe-open.js';
import { MpError } from '../errors.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, TYPE_BY_CHAR, unescapePath, type SnapshotHeader } from './format.js';
import { SnapshotIndex } from './snapshot-index.js';

const TAB = 9;
const NL = 10;

function bad(file: string, line: number, message: string): MpError {
  return new MpError('MP302', `${file}: ${message}`, { location: { file, line, column: 1 } });
}

/** A decimal (or octal) number from bytes [start, end); NaN when anything else is there. */
function num(buf: Buffer, start: number, end: number, base: number): number {
  if (start >= end) return NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] ?? 0) - 48;
    if (d < 0 || d >= base) return NaN;
    v = v * base + d;
  }
  return v;
}

function parseHeader(file: string, text: string): SnapshotHeader {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    throw bad(file, 1, 'not a momentum-perms snapshot (the first line is not its header)');
  }
  const o = h as Partial<SnapshotHeader>;
  if (o.format !== SNAPSHOT_FORMAT) throw bad(file, 1, 'not a momentum-perms snapshot');
  if (o.version !== SNAPSHOT_VERSION) throw bad(file, 1, `snapshot format version ${String(o.version)} is not supported (this version reads ${SNAPSHOT_VERSION})`);
  const idOk = (x: unknown): boolean =>
    typeof x === 'object' && x !== null && typeof (x as { name: unknown }).name === 'string' && Number.isInteger((x as { id: unknown }).id);
  if (!idOk(o.user) || !idOk(o.group) || !Array.isArray(o.trees) || !Array.isArray(o.excluded)) {
    throw bad(file, 1, 'the snapshot header is incomplete');
  }
  return o as SnapshotHeader;
}

/** Parses lines as they arrive; `end()` checks the trailer. */
class LineParser {
  private lineNo = 0;
  private index: SnapshotIndex | undefined;
  private trailer: number | undefined;
  private entries = 0;
  constructor(private readonly file: string) {}

  line(buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (this.trailer !== undefined) throw bad(this.file, this.lineNo, 'data after the end line');
    const first = buf[start];
    if (this.index === undefined) {
      this.index = new SnapshotIndex(parseHeader(this.file, buf.toString('utf8', start, end)));
      return;
    }
    if (first === 123 /* { */) {
      let t: { end?: unknown; entries?: unknown; unreadable?: unknown };
      try {
        t = JSON.parse(buf.toString('utf8', start, end)) as typeof t;
      } catch {
        throw bad(this.file, this.lineNo, 'the end line is damaged');
      }
      if (t.end !== true || t.entries !== this.entries) {
        throw bad(this.file, this.lineNo, `the end line says ${String(t.entries)} entries, the file holds ${this.entries}`);
      }
      this.trailer = this.entries;
      if (Array.isArray(t.unreadable)) for (const p of t.unreadable) if (typeof p === 'string') this.index.exclude(p);
      return;
    }
    if (first !== 47 /* / */) throw bad(this.file, this.lineNo, 'an entry line must start with a path');
    const tabs: number[] = [];
    for (let i = start; i < end && tabs.length < 7; i++) if (buf[i] === TAB) tabs.push(i);
    const [t1, t2, t3, t4, t5, t6] = tabs;
    if (tabs.length !== 6 || t1 === undefined || t2 === undefined || t3 === undefined || t4 === undefined || t5 === undefined || t6 === undefined) {
      throw bad(this.file, this.lineNo, 'an entry line has 7 tab-separated fields');
    }
    // toString copies: a slice of a chunk-sized string would keep the whole chunk alive per entry.
    const path = unescapePath(buf.toString('utf8', start, t1));
    const type = t2 === t1 + 2 ? TYPE_BY_CHAR.get(buf[t1 + 1] ?? 0) : undefined;
    const uid = num(buf, t2 + 1, t3, 10);
    const gid = num(buf, t3 + 1, t4, 10);
    const mode = num(buf, t4 + 1, t5, 8);
    const dev = num(buf, t5 + 1, t6, 10);
    const ino = num(buf, t6 + 1, end, 10);
    if (path === undefined || type === undefined || [uid, gid, mode, dev, ino].some(Number.isNaN) || mode > 0o7777) {
      throw bad(this.file, this.lineNo, 'an entry line is damaged');
    }
    this.index.add(path, type, uid, gid, mode, dev, ino);
    this.entries++;
  }

  end(): SnapshotIndex {
    if (this.index === undefined) throw bad(this.file, 1, 'the snapshot is empty');
    if (this.trailer === undefined) throw bad(this.file, this.lineNo, 'the snapshot is truncated (no end line)');
    return this.index;
  }
}

/** Split a byte stream into lines and hand each to the parser. */
async function feed(stream: Readable, p: LineParser): Promise<void> {
  let carry: Buffer | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      p.line(buf, start, nl);
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }
  if (carry !== undefined) p.line(carry, 0, carry.length);
}

/**
 * Read a snapshot (a host path): a regular file, opened through the safe-open primitive (never a FIFO or a
 * device). Throws MpError MP302 when it is missing, damaged or truncated, and when running as root, when
 * anyone but root could have written it.
 */
export async function readSnapshot(file: string): Promise<SnapshotIndex> {
  const got = openSafe(file, { want: 'file', follow: true });
  if ('refused' in got) {
    const why = 'errno' in got ? got.errno : 'not a regular file';
    throw new MpError('MP302', `cannot read snapshot ${file}: ${why}`);
  }
  return readSnapshotFd(got.fd, file);
}

/**
 * Read a snapshot from an open regular file (closed when done); messages name `file`. As root, the file
 * must be root's and writable by root alone, judged on this descriptor.
 */
export async function readSnapshotFd(fd: number, file: string): Promise<SnapshotIndex> {
  const st = fs.fstatSync(fd);
  // A snapshot decides what a root fix restores: one that $user could have written would let it choose.
  if (process.geteuid?.() === 0 && (st.uid !== 0 || (st.mode & 0o022) !== 0)) {
    fs.closeSync(fd);
    throw new MpError('MP302', `snapshot ${file} is writable by someone other than root (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}); not trusted`);
  }
  const magic = Buffer.alloc(2);
  fs.readSync(fd, magic, 0, 2, 0);
  const raw = fs.createReadStream('', { fd, autoClose: true });
  const gz = magic[0] === 0x1f && magic[1] === 0x8b;
  const stream: Readable = gz ? raw.pipe(createGunzip()) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  const parser = new LineParser(file);
  try {
    await feed(stream, parser);
  } catch (e) {
    raw.destroy();
    if (e instanceof MpError) throw e;
    throw new MpError('MP302', `cannot read snapshot ${file}: ${errnoOf(e) ?? (e instanceof Error ? e.message : String(e))}`);
  }
  return parser.end();
}
