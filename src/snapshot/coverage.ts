/**
 * Which paths a snapshot covers: inside one of its trees and outside the trees it left out (the spool
 * without --include-spool, a directory it could not read). Answers are cached per directory: the walk
 * hands over the entries of one directory together, so a million spool files cost a few string compares.
 */

import { isUnder } from '../paths.js';

export { isUnder };

export class Coverage {
  private readonly trees: readonly string[];
  private excluded: string[];
  private roots: Set<string>;
  private dir = '\0';
  private answer = false;

  constructor(trees: readonly string[], excluded: readonly string[]) {
    this.trees = trees;
    this.excluded = [...excluded];
    this.roots = new Set([...trees, ...excluded]);
  }

  /** Leave one more place out (a directory found unreadable). */
  exclude(p: string): void {
    this.excluded.push(p);
    this.roots.add(p);
    this.dir = '\0';
  }

  /** Whether `path` (whose directory is `parent`) is covered. */
  covers(path: string, parent: string): boolean {
    // A tree's own root is decided by itself; every other entry by its directory.
    if (this.roots.has(path)) return this.coversPath(path);
    if (parent !== this.dir) {
      this.dir = parent;
      this.answer = this.coversPath(parent);
    }
    return this.answer;
  }

  private coversPath(p: string): boolean {
    for (const t of this.excluded) if (isUnder(p, t)) return false;
    for (const t of this.trees) if (isUnder(p, t)) return true;
    return false;
  }
}
