/**
 * Globs over Momentum paths, compiled once when rules are bound:
 * - to one anchored regular expression, for testing a single path;
 * - to segment lists per `{a,b}` alternative, so that the children of a whole directory can be classified
 *   at once (glob-dirs.ts): millions of spool files then cost no regex at all.
 *
 * Syntax: `*` any run of characters but `/`; `?` one character but `/`; `[abc]`, `[a-z]`, `[!a]` or `[^a]`;
 * `{a,b}` alternatives, nested allowed; `**` as a whole segment: zero or more segments (so `/a/**` matches
 * `/a` itself and everything below it); `\x` the character x. Dotfiles are not special: an auditor must see
 * them.
 */

/** A pattern that cannot be compiled; `offset` is the 0-based index in the pattern. */
export class GlobError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export type Seg = { k: 'star2' } | { k: 'lit'; text: string } | { k: 're'; re: RegExp; any: boolean };

export interface Alt {
  segs: Seg[];
  /** restAll[i]: every segment from i on is `**` (restAll[segs.length] is true). */
  restAll: boolean[];
}

/** A compiled glob. */
export interface Glob {
  pattern: string;
  /** Anchored regular expression over the whole path. */
  re: RegExp;
  /** The one path the pattern matches when it has no wildcard, else null. */
  literal: string | null;
  /** For each `{}` alternative, the literal directory before the first wildcard (`/` at worst). */
  prefixes: string[];
  alts: Alt[];
}

const MAX_ALTERNATIVES = 256;
// State sets are bit masks; deeper patterns are not a real need.
const MAX_SEGMENTS = 30;

interface Chars {
  s: string;
  /** Offset in the original pattern of each character of `s`. */
  o: number[];
}

/** Index of the `]` closing the class opened at `i`, or -1. */
function classEnd(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === '!' || s[j] === '^') j++;
  if (s[j] === ']') j++;
  for (; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === ']') return j;
  }
  return -1;
}

/** Check brackets, braces and escapes once on the pattern as written, so that errors point at it. */
function checkStructure(p: string): void {
  const open: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) throw new GlobError('a pattern cannot end with a backslash', i);
      i++;
    } else if (c === '[') {
      const end = classEnd(p, i);
      if (end < 0) throw new GlobError("'[' is never closed by ']'", i);
      const slash = p.indexOf('/', i);
      if (slash >= 0 && slash < end) throw new GlobError("'/' cannot appear inside [...]", slash);
      i = end;
    } else if (c === '{') open.push(i);
    else if (c === '}') {
      if (open.pop() === undefined) throw new GlobError("'}' without a '{' before it", i);
    }
  }
  if (open.length > 0) throw new GlobError("'{' is never closed by '}'", open[0] as number);
}

/** Expand the first top-level `{…}` of `c`, recursively; the structure is known to be balanced. */
function expandBraces(c: Chars, out: Chars[]): void {
  const s = c.s;
  let start = -1;
  let depth = 0;
  const cuts: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '[') i = classEnd(s, i);
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === ',' && depth === 1) cuts.push(i);
    else if (ch === '}' && --depth === 0) {
      cuts.push(i);
      let lo = start;
      for (const hi of cuts) {
        const part: Chars = {
          s: s.slice(0, start) + s.slice(lo + 1, hi) + s.slice(i + 1),
          o: [...c.o.slice(0, start), ...c.o.slice(lo + 1, hi), ...c.o.slice(i + 1)],
        };
        expandBraces(part, out);
        if (out.length > MAX_ALTERNATIVES) {
          throw new GlobError(`'{...}' expands to more than ${MAX_ALTERNATIVES} alternatives`, c.o[start] ?? 0);
        }
        lo = hi;
      }
      return;
    }
  }
  out.push(c);
}

function escapeRe(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
}

/** Regular-expression source for one segment (no `/` inside), and whether it has a wildcard. */
function segmentSource(s: string, o: number[]): { src: string; wild: boolean; text: string } {
  let src = '';
  let text = '';
  let wild = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\') {
      const next = s[++i] as string;
      src += escapeRe(next);
      text += next;
    } else if (ch === '*') {
      if (s[i + 1] === '*') throw new GlobError("'**' must be a whole path segment, as in /a/**/b", o[i] ?? 0);
      src += '[^/]*';
      wild = true;
    } else if (ch === '?') {
      src += '[^/]';
      wild = true;
    } else if (ch === '[') {
      const end = classEnd(s, i);
      let j = i + 1;
      const neg = s[j] === '!' || s[j] === '^';
      if (neg) j++;
      let body = '';
      for (; j < end; j++) {
        let m = s[j] as string;
        if (m === '\\') m = s[++j] as string;
        body += /[\\\]^[]/.test(m) ? '\\' + m : m;
      }
      src += neg ? `[^/${body}]` : `[${body}]`;
      try {
        new RegExp(src);
      } catch {
        throw new GlobError('invalid character class (a range must go from low to high)', o[i] ?? 0);
      }
      wild = true;
      i = end;
    } else {
      src += escapeRe(ch);
      text += ch;
    }
  }
  return { src, wild, text };
}

/** Compile one brace-free alternative: segments and regular-expression source. */
function compileAlt(c: Chars): { alt: Alt; src: string; prefix: string; literal: string | null } {
  const s = c.s;
  if (s[0] !== '/') throw new GlobError('a pattern must be an absolute path', c.o[0] ?? 0);
  const segs: Seg[] = [];
  let src = '';
  let prefix = '';
  let literal = true;
  let from = 1;
  for (let i = 1; i <= s.length; i++) {
    if (i < s.length && s[i] !== '/') {
      if (s[i] === '\\') i++;
      continue;
    }
    const seg = s.slice(from, i);
    const off = c.o.slice(from, i);
    const at = c.o[from - 1] ?? 0;
    // Point at the second slash of `//`, or at a trailing slash.
    if (seg === '') throw new GlobError("empty path segment ('//' or a trailing '/')", i < s.length ? (c.o[i] ?? at) : at);
    if (seg === '.' || seg === '..') throw new GlobError("'.' and '..' are not allowed: write the path in full", c.o[from] ?? at);
    if (seg === '**') {
      segs.push({ k: 'star2' });
      src += '(?:/[^/]+)*';
      literal = false;
    } else {
      const { src: segSrc, wild, text } = segmentSource(seg, off);
      src += '/' + segSrc;
      if (wild) {
        segs.push({ k: 're', re: new RegExp(`^${segSrc}$`), any: seg === '*' });
        literal = false;
      } else {
        segs.push({ k: 'lit', text });
        if (literal) prefix += '/' + text;
      }
    }
    from = i + 1;
  }
  if (segs.length > MAX_SEGMENTS) throw new GlobError(`a pattern may have at most ${MAX_SEGMENTS} segments`, 0);
  const restAll: boolean[] = new Array<boolean>(segs.length + 1).fill(true);
  for (let i = segs.length - 1; i >= 0; i--) restAll[i] = (restAll[i + 1] as boolean) && segs[i]?.k === 'star2';
  return { alt: { segs, restAll }, src, prefix: prefix || '/', literal: literal ? prefix : null };
}

/** Compile a glob. Throws GlobError (with the offset of the mistake) for a pattern that is not valid. */
export function compileGlob(pattern: string): Glob {
  checkStructure(pattern);
  const expanded: Chars[] = [];
  expandBraces({ s: pattern, o: [...pattern].map((_, i) => i) }, expanded);
  const alts: Alt[] = [];
  const srcs: string[] = [];
  const prefixes: string[] = [];
  let literal: string | null = null;
  for (const c of expanded) {
    const r = compileAlt(c);
    alts.push(r.alt);
    srcs.push(r.src);
    prefixes.push(r.prefix);
    literal = r.literal;
  }
  const re = new RegExp(srcs.length === 1 ? `^${srcs[0]}$` : `^(?:${srcs.join('|')})$`);
  return { pattern, re, literal: alts.length === 1 ? literal : null, prefixes, alts };
}

/** The glob matches `path` (a normalised absolute path). */
export function globMatches(g: Glob, path: string): boolean {
  return g.literal !== null ? path === g.literal : g.re.test(path);
}

/** Escape every glob metacharacter of a literal path (a configuration path used as a rule's base). */
export function escapeGlob(path: string, keepStar = false): string {
  return path.replace(keepStar ? /[\\?[\]{}]/g : /[\\*?[\]{}]/g, (c) => '\\' + c);
}

/** The pattern has a wildcard (`*`, `?`, `[`, `{`) outside escapes. */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[' || c === '{') return true;
  }
  return false;
}
