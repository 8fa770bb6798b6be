import type { Stats } from 'node:fs';
import type { Entry, EntryType } from '../types.js';

const S_IFMT = 0o170000;

/** The entry type of an lstat mode, or undefined for a type Linux does not have (never seen in practice). */
export function typeOfMode(mode: number): EntryType | undefined {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    default:
      return undefined;
  }
}

/** An Entry from lstat's answer. A fresh object each time: consumers (the fixer) may keep it. */
export function entryOf(path: string, st: Stats, type: EntryType): Entry {
  return {
    path,
    type,
    uid: st.uid,
    gid: st.gid,
    mode: st.mode & 0o7777,
    dev: st.dev,
    ino: st.ino,
    nlink: st.nlink,
  };
}

/** The directory part of an absolute Momentum path (`/` for `/x` and for `/`). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
