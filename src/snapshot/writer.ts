/**
 * Writes a snapshot as the walk goes: lines are gathered into chunks of CHUNK_BYTES, each chunk is
 * compressed into its own gzip member and written at once. Nothing holds the list of entries: memory is one
 * chunk, however large the tree. (A zlib stream would not do: the walk is synchronous, so an async stream
 * could never drain and would buffer the whole snapshot.)
 */
import { gzipSync, constants as zc } from 'node:zlib';
import type { Entry } from '../types.js';
import { openAtomic } from '../io/atomic.js';
import { entryLine, type SnapshotHeader, type SnapshotTrailer } from './format.js';

/** Uncompressed bytes per gzip member: large enough that per-member overhead (about 20 bytes) is noise. */
const CHUNK_BYTES = 1 << 18;

export interface SnapshotWriter {
  add(e: Entry): void;
  /** Write the trailer (with the places that could not be read), fsync and rename into place. */
  finish(unreadable?: readonly string[]): { entries: number; bytes: number };
  /** Drop the temporary file (after a failure). */
  abort(): void;
}

export interface WriterOptions {
  /** gzip (default true). Plain text is for debugging and tests of the reader. */
  gzip?: boolean;
  /** The name messages use for the file (default: `target`). */
  display?: string;
}

/** Start a snapshot at `target` (a host path), root-only (0600): it lists every file of the install. */
export function createSnapshotWriter(target: string, header: SnapshotHeader, opts: WriterOptions = {}): SnapshotWriter {
  const gzip = opts.gzip ?? true;
  const file = openAtomic(target, 0o600, opts.display ?? target);
  let pending = JSON.stringify(header) + '\n';
  let entries = 0;
  let bytes = 0;
  const flush = (): void => {
    if (pending === '') return;
    const raw = Buffer.from(pending, 'utf8');
    // Level 6 costs little more than 1 here and the inode column compresses noticeably better.
    const out = gzip ? gzipSync(raw, { level: 6, memLevel: 9, strategy: zc.Z_DEFAULT_STRATEGY }) : raw;
    file.write(out);
    bytes += out.length;
    pending = '';
  };
  return {
    add(e) {
      pending += entryLine(e.path, e.type, e.uid, e.gid, e.mode, e.dev, e.ino);
      entries++;
      if (pending.length >= CHUNK_BYTES) flush();
    },
    finish(unreadable = []) {
      const trailer: SnapshotTrailer = { end: true, entries, unreadable: [...unreadable] };
      pending += JSON.stringify(trailer) + '\n';
      try {
        flush();
        file.commit();
      } catch (e) {
        file.abort();
        throw e;
      }
      return { entries, bytes };
    },
    abort() {
      file.abort();
    },
  };
}
