/**
 * The audit's per-entry check, with the matching work done once per directory: for each directory the
 * rules are sorted into those that match every child (`/var/spool/ecelerity/**` in the spool), those that
 * may match some (tested per entry), and the rest. When no rule needs a per-entry test, the expectation
 * for each entry type is folded once, and a spool file costs a few integer comparisons.
 */
import type { UserDb } from '../io/users.js';
import type { Entry, EntryType, Verdict } from '../types.js';
import { expectationFor, type Expectation } from './expect.js';
import { ALL, childrenMatch, pathSegments, SOME } from './glob-dirs.js';
import type { BoundRule, TreeDecl } from './types.js';
import { compareEntry, idCache } from './verdict.js';

const TYPE_INDEX: Record<EntryType, number> = { file: 0, dir: 1, symlink: 2, fifo: 3, socket: 4, char: 5, block: 6 };
/** Up to this many per-entry rules in one directory, expectations are cached by which of them matched. */
const MAX_MASKED = 24;
/** Directories remembered besides the last one; the walk visits each directory's children together. */
const MAX_DIRS = 4096;

interface DirCache {
  /** Innermost declared tree containing the directory, or null. */
  tree: string | null;
  /** A declared tree is a child of this directory (its root's verdict names it). */
  treeChild: boolean;
  all: BoundRule[];
  some: BoundRule[];
  /** Expectation per entry type when `some` is empty. */
  byType: (Expectation | undefined)[];
  /** Expectation per (matched subset of `some`, entry type). */
  byMask: Map<number, Expectation>;
}

function inside(p: string, tree: string): boolean {
  return p === tree || (p.startsWith(tree) && p.charCodeAt(tree.length) === 47);
}

/** The index-ordered union of `all` and the members of `some` selected by `mask`. */
function merged(all: BoundRule[], some: BoundRule[], mask: number): BoundRule[] {
  const list = all.slice();
  for (let i = 0; i < some.length; i++) if (mask & (1 << i)) list.push(some[i] as BoundRule);
  return list.sort((a, b) => a.index - b.index);
}

/**
 * Build `check(entry, parent)` over bound rules (in the order they apply) and every declared tree
 * (nested ones included: a verdict names the innermost).
 */
export function makeCheck(rules: readonly BoundRule[], trees: readonly TreeDecl[], users: UserDb): (entry: Entry, parent: string) => Verdict {
  const ids = idCache(users);
  const roots = [...new Set(trees.map((t) => t.path))].sort((a, b) => b.length - a.length);
  const rootSet = new Set(roots);
  const dirs = new Map<string, DirCache>();
  let lastParent: string | null = null;
  let last: DirCache | null = null;

  const build = (parent: string): DirCache => {
    const segs = pathSegments(parent);
    const all: BoundRule[] = [];
    const some: BoundRule[] = [];
    for (const r of rules) {
      const c = childrenMatch(r.glob, segs);
      if (c === ALL) all.push(r);
      else if (c === SOME) some.push(r);
    }
    const prefix = parent === '/' ? '/' : parent + '/';
    return {
      tree: roots.find((t) => inside(parent, t)) ?? null,
      treeChild: roots.some((t) => t.startsWith(prefix) && t.indexOf('/', prefix.length) < 0),
      all,
      some,
      byType: [],
      byMask: new Map(),
    };
  };

  const dirOf = (parent: string): DirCache => {
    let d = dirs.get(parent);
    if (d === undefined) {
      if (dirs.size >= MAX_DIRS) dirs.clear();
      d = build(parent);
      dirs.set(parent, d);
    }
    return d;
  };

  const expectation = (d: DirCache, entry: Entry): Expectation => {
    const t = TYPE_INDEX[entry.type];
    const some = d.some;
    if (some.length === 0) {
      let e = d.byType[t];
      if (e === undefined) d.byType[t] = e = expectationFor(d.all, entry.type);
      return e;
    }
    let mask = 0;
    for (let i = 0; i < some.length; i++) if ((some[i] as BoundRule).matches(entry.path)) mask |= 1 << i;
    if (some.length > MAX_MASKED) return expectationFor(merged(d.all, some, mask), entry.type);
    const key = mask * 8 + t;
    let e = d.byMask.get(key);
    if (e === undefined) d.byMask.set(key, (e = expectationFor(merged(d.all, some, mask), entry.type)));
    return e;
  };

  return (entry: Entry, parent: string): Verdict => {
    let d: DirCache;
    if (parent === lastParent) d = last as DirCache;
    else {
      d = dirOf(parent);
      lastParent = parent;
      last = d;
    }
    const tree = d.treeChild && rootSet.has(entry.path) ? entry.path : d.tree;
    return compareEntry(expectation(d, entry), entry, tree, ids);
  };
}
