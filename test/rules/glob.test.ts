import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL, childrenMatch, NONE, pathSegments, SOME } from '../../src/rules/glob-dirs.js';
import { compileGlob, escapeGlob, GlobError, globMatches, hasWildcard } from '../../src/rules/glob.js';

describe('compileGlob matching', () => {
  const cases: [string, string, boolean][] = [
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/bc', false],
    ['/a/*', '/a/x', true],
    ['/a/*', '/a/.hidden', true],
    ['/a/*', '/a/x/y', false],
    ['/a/*', '/a', false],
    ['/a/**', '/a', true],
    ['/a/**', '/a/x', true],
    ['/a/**', '/a/x/y/z', true],
    ['/a/**', '/ab', false],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/a/**/b', '/a/x/y/bb', false],
    ['/a/?.key', '/a/x.key', true],
    ['/a/?.key', '/a/xy.key', false],
    ['/a/?', '/a//', false],
    ['/a/[abc].txt', '/a/b.txt', true],
    ['/a/[abc].txt', '/a/d.txt', false],
    ['/a/[a-c]', '/a/b', true],
    ['/a/[!a-c]', '/a/b', false],
    ['/a/[!a-c]', '/a/d', true],
    ['/a/[^a]', '/a/z', true],
    ['/a/[]]', '/a/]', true],
    ['/a/{b,c}/d', '/a/c/d', true],
    ['/a/{b,c}/d', '/a/e/d', false],
    ['/a/{b,c{d,e}}', '/a/ce', true],
    ['/a/{b,c{d,e}}', '/a/c', false],
    ['/a/x{,.bak}', '/a/x', true],
    ['/a/x{,.bak}', '/a/x.bak', true],
    ['/a/\\*', '/a/*', true],
    ['/a/\\*', '/a/x', false],
    ['/a/b.c', '/a/bxc', false],
    ['/a/(x)+', '/a/(x)+', true],
    ['/**', '/anything/at/all', true],
  ];
  it.each(cases)('%s against %s → %s', (pattern, path, want) => {
    expect(globMatches(compileGlob(pattern), path)).toBe(want);
    expect(compileGlob(pattern).re.test(path)).toBe(want);
  });

  it('knows a literal pattern and the literal prefix of each alternative', () => {
    expect(compileGlob('/a/b\\*c').literal).toBe('/a/b*c');
    expect(compileGlob('/a/*').literal).toBeNull();
    expect(compileGlob('/a/{x,y}/z').literal).toBeNull();
    expect(compileGlob('/opt/{a,b}/**').prefixes).toEqual(['/opt/a', '/opt/b']);
    expect(compileGlob('/*/x').prefixes).toEqual(['/']);
  });
});

describe('compileGlob errors', () => {
  const cases: [string, number, RegExp][] = [
    ['/a/[bc', 3, /never closed/],
    ['/a/{b,c', 3, /never closed/],
    ['/a/b}', 4, /without a '\{'/],
    ['/a/b\\', 4, /backslash/],
    ['/a//b', 3, /empty path segment/],
    ['/a/b/', 4, /empty path segment/],
    ['/a/../b', 3, /'\.' and '\.\.'/],
    ['/a/./b', 3, /'\.' and '\.\.'/],
    ['/a/x**', 4, /whole path segment/],
    ['/a/[z-a]', 3, /range/],
    ['/a/[b/c]', 5, /inside \[/],
    ['a/b', 0, /absolute/],
    ['/a/{b,/c}', 6, /empty path segment/],
  ];
  it.each(cases)('%s fails at offset %i', (pattern, offset, message) => {
    let err: unknown;
    try {
      compileGlob(pattern);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GlobError);
    expect((err as GlobError).offset).toBe(offset);
    expect((err as GlobError).message).toMatch(message);
  });

  it('refuses brace expansions beyond 256 alternatives', () => {
    expect(() => compileGlob('/{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}')).toThrow(/256/);
  });
});

describe('childrenMatch', () => {
  const cases: [string, string, number][] = [
    ['/a/**', '/a', ALL],
    ['/a/**', '/a/b/c', ALL],
    ['/a/**', '/', SOME],
    ['/a/**', '/b', NONE],
    ['/a/*', '/a', ALL],
    ['/a/*', '/a/b', NONE],
    ['/a/*.key', '/a', SOME],
    ['/a/b', '/a', SOME],
    ['/a/b', '/', NONE],
    ['/a/**/b', '/a/x/y', SOME],
    ['/a/**/*', '/a/x', ALL],
    ['/a/{b,c}/**', '/a/c', ALL],
    ['/a/{b,c}/**', '/a/d', NONE],
  ];
  it.each(cases)('%s under %s → %i', (pattern, parent, want) => {
    expect(childrenMatch(compileGlob(pattern), pathSegments(parent))).toBe(want);
  });

  // The per-directory classification must agree with the regex for every child: All means every child
  // matches, None means none does.
  it('agrees with the regex on random patterns and paths', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', '*', '?', '**', '[ab]', '{a,b}', 'a*', '*b', '{a,**}');
    const name = fc.constantFrom('a', 'b', 'ab', 'ba', 'c', 'abc');
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 5 }), fc.array(name, { minLength: 0, maxLength: 4 }), name, (segs, parent, child) => {
        const pattern = '/' + segs.join('/');
        let g;
        try {
          g = compileGlob(pattern);
        } catch {
          return true;
        }
        const cls = childrenMatch(g, parent);
        const path = '/' + [...parent, child].join('/');
        const m = g.re.test(path);
        if (cls === ALL) return m;
        if (cls === NONE) return !m;
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});

describe('helpers', () => {
  it('escapes a literal path so that it matches only itself', () => {
    const p = '/opt/we*ird/[x]/{y}/a?b\\c';
    const g = compileGlob(escapeGlob(p));
    expect(g.literal).toBe(p);
    expect(globMatches(g, p)).toBe(true);
    expect(escapeGlob('/k/*/x', true)).toBe('/k/*/x');
  });
  it('tells wildcards from escaped characters', () => {
    expect(hasWildcard('/a/b')).toBe(false);
    expect(hasWildcard('/a/\\*')).toBe(false);
    expect(hasWildcard('/a/{b,c}')).toBe(true);
    expect(hasWildcard('/a/[b]')).toBe(true);
  });
});
