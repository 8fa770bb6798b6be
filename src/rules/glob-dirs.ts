/**
 * Which children of a directory a glob can match, decided once per directory from the glob's segments (an
 * automaton over path segments, `**` looping): all of them, some (test each path), or none.
 */
import type { Alt, Glob, Seg } from './glob.js';

/** How the children of one directory relate to a glob: none can match, some may, all do. */
export type Children = 0 | 1 | 2;
export const NONE = 0;
export const SOME = 1;
export const ALL = 2;

function closure(a: Alt, mask: number): number {
  const segs = a.segs;
  for (let i = 0; i < segs.length; i++) if (mask & (1 << i) && segs[i]?.k === 'star2') mask |= 1 << (i + 1);
  return mask;
}

function step(a: Alt, mask: number, name: string): number {
  let next = 0;
  const segs = a.segs;
  for (let i = 0; i < segs.length; i++) {
    if (!(mask & (1 << i))) continue;
    const s = segs[i] as Seg;
    if (s.k === 'star2') next |= 1 << i;
    else if (s.k === 'lit' ? s.text === name : s.re.test(name)) next |= 1 << (i + 1);
  }
  return closure(a, next);
}

/** Segments of a normalised absolute path: `/` → [], `/a/b` → ['a', 'b']. */
export function pathSegments(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/**
 * Whether the glob matches every child of the directory whose segments are given, some of them (test each
 * path), or none. Exact: a child `parent/name` matches the regex iff the answer is All, or Some and the
 * regex says so.
 */
export function childrenMatch(g: Glob, parentSegs: readonly string[]): Children {
  let result: Children = NONE;
  for (const a of g.alts) {
    let mask = closure(a, 1);
    for (let k = 0; k < parentSegs.length && mask !== 0; k++) mask = step(a, mask, parentSegs[k] as string);
    for (let i = 0; i < a.segs.length; i++) {
      if (!(mask & (1 << i)) || !a.restAll[i + 1]) continue;
      const s = a.segs[i] as Seg;
      if (s.k === 'star2' || (s.k === 're' && s.any)) return ALL;
      result = SOME;
    }
  }
  return result;
}

