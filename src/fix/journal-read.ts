/**
 * Reading a journal for undo, without holding it in memory (a spool fix journals millions of lines):
 * one forward pass validates every line, then lines are read again from the end, newest change first.
 * A last line without its newline is the trace of a run killed while writing it: its change was never
 * made (changes follow the fsync of their lines), so it is ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError } from '../errors.js';
import { ENTRY_TYPES, type EntryType, type Target } from '../types.js';
import { inTree } from './safety.js';
import type { JournalHeader, JournalRecord } from './types.js';

const CHUNK = 1 << 20;

/** What the validation pass learnt: the header, how many complete lines, and where they end. */
export interface JournalScan {
  header: JournalHeader;
  /** Complete lines, the header included. */
  lines: number;
  /** Byte offset just after the last complete line. */
  end: number;
  /** A partial last line was ignored. */
  truncated: boolean;
}

/** readSync, with an I/O error turned into MP302 (never a stack trace). */
function readAt(fd: number, buf: Buffer, pos: number): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, pos);
  } catch (e) {
    throw new MpError('MP302', `cannot read the journal: ${(e as { code?: string }).code ?? String(e)}`);
  }
}

/** Call `each` with every complete line (without its newline) and its 1-based number; returns the scan's extent. */
export function forEachLine(fd: number, each: (line: string, n: number) => void): { lines: number; end: number; truncated: boolean } {
  const size = fs.fstatSync(fd).size;
  let carry = Buffer.alloc(0);
  let pos = 0;
  let n = 0;
  let end = 0;
  while (pos < size) {
    const buf = Buffer.alloc(Math.min(CHUNK, size - pos));
    const got = readAt(fd, buf, pos);
    if (got === 0) break;
    const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
    let start = 0;
    let nl = data.indexOf(10, start);
    while (nl !== -1) {
      each(data.toString('utf8', start, nl), ++n);
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    end = pos + got - (data.length - start);
    carry = Buffer.from(data.subarray(start));
    pos += got;
  }
  return { lines: n, end, truncated: carry.length > 0 };
}

/** Yield the complete lines of `[0, end)` from the last to the first, without their newlines. */
export function* linesBackward(fd: number, end: number): Generator<string> {
  let pos = end;
  let tail = Buffer.alloc(0);
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - start);
    readAt(fd, chunk, start);
    const data = tail.length > 0 ? Buffer.concat([chunk, tail]) : chunk;
    // `data` ends with a newline; each line is (previous newline, this newline].
    let lineEnd = data.length;
    let i = lineEnd >= 2 ? data.lastIndexOf(10, lineEnd - 2) : -1;
    while (i !== -1) {
      yield data.toString('utf8', i + 1, lineEnd - 1);
      lineEnd = i + 1;
      i = lineEnd >= 2 ? data.lastIndexOf(10, lineEnd - 2) : -1;
    }
    tail = Buffer.from(data.subarray(0, lineEnd));
    pos = start;
  }
  if (tail.length > 0) yield tail.toString('utf8', 0, tail.length - 1);
}

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 0xffffffff;
const isNum = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isAbs = (v: unknown): v is string =>
  typeof v === 'string' && v.startsWith('/') && !v.includes('\0') && path.posix.normalize(v) === v && (v === '/' || !v.endsWith('/'));

function isTarget(v: unknown): v is Target {
  const t = v as Record<string, unknown> | null;
  return typeof t === 'object' && t !== null && isId(t['uid']) && isId(t['gid']) && isNum(t['mode']) && (t['mode'] as number) <= 0o7777;
}

/** Parse and check one record line; null when it is not a valid record. */
export function parseRecord(line: string): JournalRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const r = v as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return null;
  if (!isAbs(r['path']) || !isAbs(r['tree']) || !inTree(r['path'], r['tree']) || r['path'] === '/') return null;
  if (!isNum(r['dev']) || !isNum(r['ino']) || !isTarget(r['before']) || !isTarget(r['after'])) return null;
  if (!ENTRY_TYPES.includes(r['type'] as EntryType)) return null;
  return r as unknown as JournalRecord;
}

/** Parse and check a header line; null when it is not one. */
export function parseHeader(line: string): JournalHeader | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const h = v as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || h['journal'] !== 'momentum-perms' || h['version'] !== 1) return null;
  if ((h['command'] !== 'fix' && h['command'] !== 'undo') || typeof h['root'] !== 'string') return null;
  const s = h['service'] as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null || !isId(s['uid']) || !Array.isArray(s['gids']) || !s['gids'].every(isId)) return null;
  return h as unknown as JournalHeader;
}

/** Validate every line of an open journal (MP302 with file:line on the first bad one). */
export function scanJournal(fd: number, display: string): JournalScan {
  let header: JournalHeader | null = null;
  const ext = forEachLine(fd, (line, n) => {
    const ok = n === 1 ? (header = parseHeader(line)) !== null : parseRecord(line) !== null;
    if (!ok && n === 1) {
      // Not quoted: a file that is no journal (`undo /etc/shadow`) must not have its first line printed.
      throw new MpError('MP302', 'not a momentum-perms journal (bad header line)', { location: { file: display, line: 1, column: 1 } });
    }
    if (!ok) {
      throw new MpError('MP302', 'invalid journal line', {
        location: { file: display, line: n, column: 1 },
        sourceLine: line.length > 200 ? line.slice(0, 200) + '…' : line,
      });
    }
  });
  if (header === null) throw new MpError('MP302', `${display} is empty: not a momentum-perms journal`);
  return { header, ...ext };
}
