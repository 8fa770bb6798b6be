/**
 * A snapshot held in memory, keyed by path, for the upgrade diff. Values live in typed-array columns and the
 * map holds only path → slot, so an entry costs its path string, one map entry and 27 bytes of columns
 * (measured: docs/admin.md "Snapshot format"). Lookups allocate nothing.
 */
import type { Entry, EntryType } from '../types.js';
import type { SnapshotHeader } from './format.js';
import { TYPE_INDEX } from './format.js';
import { Coverage } from './coverage.js';

/** One entry as the snapshot recorded it: the walk's Entry without its path (the key) and link count. */
export type SnapshotRecord = Omit<Entry, 'path' | 'nlink'>;

const TYPE_NUM: ReadonlyMap<EntryType, number> = new Map(TYPE_INDEX.map((t, i) => [t, i]));

export class SnapshotIndex {
  readonly header: SnapshotHeader;
  private readonly slots = new Map<string, number>();
  private n = 0;
  private uids = new Uint32Array(1024);
  private gids = new Uint32Array(1024);
  private modes = new Uint16Array(1024);
  private types = new Uint8Array(1024);
  private devs = new Float64Array(1024);
  private inos = new Float64Array(1024);
  private readonly coverage: Coverage;

  constructor(header: SnapshotHeader) {
    this.header = header;
    this.coverage = new Coverage(header.trees, header.excluded);
  }

  /** Number of entries. */
  get size(): number {
    return this.n;
  }

  /** Record an entry (the reader's job; a later line for the same path wins). */
  add(path: string, type: EntryType, uid: number, gid: number, mode: number, dev: number, ino: number): void {
    let slot = this.slots.get(path);
    if (slot === undefined) {
      if (this.n === this.uids.length) this.grow();
      slot = this.n++;
      this.slots.set(path, slot);
    }
    this.uids[slot] = uid;
    this.gids[slot] = gid;
    this.modes[slot] = mode & 0o7777;
    this.types[slot] = TYPE_NUM.get(type) ?? 0;
    this.devs[slot] = dev;
    this.inos[slot] = ino;
  }

  /** The slot of `path`, or -1 when the snapshot has no such entry. */
  lookup(path: string): number {
    return this.slots.get(path) ?? -1;
  }
  uidAt(slot: number): number {
    return this.uids[slot] ?? 0;
  }
  gidAt(slot: number): number {
    return this.gids[slot] ?? 0;
  }
  modeAt(slot: number): number {
    return this.modes[slot] ?? 0;
  }
  typeAt(slot: number): EntryType {
    return TYPE_INDEX[this.types[slot] ?? 0] ?? 'file';
  }
  devAt(slot: number): number {
    return this.devs[slot] ?? 0;
  }
  inoAt(slot: number): number {
    return this.inos[slot] ?? 0;
  }

  /** The record of `path` as a fresh object (convenient, allocates; the hot path uses lookup and the columns). */
  get(path: string): SnapshotRecord | undefined {
    const s = this.lookup(path);
    if (s < 0) return undefined;
    return { type: this.typeAt(s), uid: this.uidAt(s), gid: this.gidAt(s), mode: this.modeAt(s), dev: this.devAt(s), ino: this.inoAt(s) };
  }

  /**
   * True when the snapshot recorded every entry where `path` lies: inside one of its trees and outside the
   * trees it left out. Below an uncovered place, an entry absent from the snapshot is not "new": it was
   * simply not looked at. `parent` is the entry's directory; the answer is cached per directory.
   */
  covers(path: string, parent: string): boolean {
    return this.coverage.covers(path, parent);
  }

  /** Treat `p` as not covered (a directory the snapshot could not read, listed in its end line). */
  exclude(p: string): void {
    this.coverage.exclude(p);
  }

  /** Every path, for tests and tools; not used on the hot path. */
  paths(): IterableIterator<string> {
    return this.slots.keys();
  }

  private grow(): void {
    const cap = this.uids.length * 2;
    const grow = <T extends Uint32Array | Uint16Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.uids = grow(this.uids, (n) => new Uint32Array(n));
    this.gids = grow(this.gids, (n) => new Uint32Array(n));
    this.modes = grow(this.modes, (n) => new Uint16Array(n));
    this.types = grow(this.types, (n) => new Uint8Array(n));
    this.devs = grow(this.devs, (n) => new Float64Array(n));
    this.inos = grow(this.inos, (n) => new Float64Array(n));
  }
}
