/**
 * Momentum paths as plain strings (absolute, normalised, no trailing slash): the one "is it in that tree?"
 * every stage asks.
 */

/** True when `p` is `tree` or below it (everything is below `/`). */
export function isUnder(p: string, tree: string): boolean {
  return p === tree || tree === '/' || (p.startsWith(tree) && p.charCodeAt(tree.length) === 47 /* / */);
}
