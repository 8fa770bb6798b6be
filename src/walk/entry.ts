import type { Stats } from 'node:fs';
import type { Entry, EntryType } from '../types.js';

/** The entry type of an lstat mode (defined with the descriptor helpers every layer shares). */
export { typeOfMode } from '../io/fd.js';

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
