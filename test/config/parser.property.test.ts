import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Stmt, Value } from '../../src/config/ast.js';
import { parseConfig } from '../../src/config/parser.js';
import { MpError, renderError } from '../../src/errors.js';
import { fixture } from './helpers.js';

/** Parse, and accept only success or an MpError MP101/MP102 that points inside the text. */
function parsesOrFailsCleanly(text: string): void {
  try {
    parseConfig(text, '/f.conf');
  } catch (e) {
    expect(e).toBeInstanceOf(MpError);
    const err = e as MpError;
    expect(['MP101', 'MP102']).toContain(err.code);
    const lines = text.split('\n').length;
    expect(err.location?.line).toBeGreaterThanOrEqual(1);
    expect(err.location?.line).toBeLessThanOrEqual(lines);
    expect(err.location?.column).toBeGreaterThanOrEqual(1);
    expect(typeof renderError(err)).toBe('string');
  }
}

/** Pieces of the syntax, so that random text reaches deep into the grammar rather than failing at once. */
const piece = fc.constantFrom(
  '{', '}', '(', ')', '[', ']', '=', ',', '"', "'", '#', '/*', '*/', '/', '\\', '\\"', '\n', '\r\n', ' ', '\t',
  'Security', 'user', 'ecuser', 'include', 'readonly_include', '"conf.d"', '0640', '/var/spool', 'jlog:///x=>m',
  '%{d}', '\u0000', '\u00e9', '\ud83d\ude00', '\ud800',
);
const configish = fc.array(piece, { maxLength: 200 }).map((xs) => xs.join(''));

/** Every fixture file, as seeds for mutation. */
function realConfigs(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.conf$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.dirname(fixture('x')));
  return out;
}

const mutation = fc.record({ at: fc.nat(), len: fc.nat({ max: 8 }), insert: fc.oneof(fc.constant(''), piece, fc.string({ maxLength: 6 })) });

describe('parser: never hangs, never throws anything but MpError', () => {
  it('on arbitrary strings (any code units)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), parsesOrFailsCleanly), { numRuns: 2000 });
  });

  it('on strings built from the syntax', () => {
    fc.assert(fc.property(configish, parsesOrFailsCleanly), { numRuns: 2000 });
  });

  it('on mutated real configurations', () => {
    const seeds = realConfigs();
    expect(seeds.length).toBeGreaterThan(5);
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 5 }))
      .map(([text, muts]) =>
        muts.reduce((t, m) => {
          const at = t.length === 0 ? 0 : m.at % (t.length + 1);
          return t.slice(0, at) + m.insert + t.slice(at + m.len);
        }, text),
      );
    fc.assert(fc.property(mutated, parsesOrFailsCleanly), { numRuns: 2000 });
  });

  it('finishes on pathological input', () => {
    const big = 2_000_000;
    for (const text of [
      '"' + 'x'.repeat(big), // a long unterminated string
      "'" + 'x\n'.repeat(big / 2), // a long unterminated single-quoted string over many lines
      '/*' + ' '.repeat(big), // a long unterminated comment
      'a { '.repeat(big / 4), // deep nesting
      'a = ' + '( '.repeat(big / 2), // deep lists
      'a = ' + '[ k = '.repeat(big / 6), // deep dictionaries
      'x'.repeat(big), // one huge word
      '\\'.repeat(big), // backslashes outside strings
      '"' + '\\'.repeat(big - 1), // a string of escapes, unterminated
      '#'.repeat(big), // one huge comment
      'a = 1 '.repeat(big / 6), // many statements
      '{'.repeat(big), // only braces
    ]) {
      parsesOrFailsCleanly(text);
    }
  });
});

// A generator of valid configurations: print a random tree, parse it back, compare.
const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_./:*-]{0,12}$/).filter((w) => !w.includes('/*') && !/^(read_?only_)?include$/i.test(w));
const anyText = fc.string({ maxLength: 12 });
type Tree = { kind: 'assign'; name: string; value: V } | { kind: 'scope'; type: string; name: string | null; body: Tree[] };
type V = { s: string; quoted: boolean } | V[];

const value: fc.Arbitrary<V> = fc.letrec<{ v: V }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    word.map((s) => ({ s, quoted: false })),
    anyText.map((s) => ({ s, quoted: true })),
    fc.array(tie('v'), { maxLength: 4 }),
  ),
})).v;

const tree: fc.Arbitrary<Tree[]> = fc.letrec<{ stmts: Tree[]; stmt: Tree }>((tie) => ({
  stmts: fc.array(tie('stmt'), { maxLength: 5 }),
  stmt: fc.oneof(
    { depthSize: 'small' },
    fc.record({ kind: fc.constant('assign' as const), name: word, value }),
    fc.record({ kind: fc.constant('scope' as const), type: word, name: fc.option(anyText, { nil: null }), body: tie('stmts') }),
  ),
})).stmts;

const quote = (s: string): string => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
const printV = (v: V): string => (Array.isArray(v) ? `( ${v.map(printV).join(', ')} )` : v.quoted ? quote(v.s) : v.s);
const print = (ts: Tree[], sep: string): string =>
  ts.map((t) => (t.kind === 'assign' ? `${t.name} = ${printV(t.value)}` : `${t.type}${t.name === null ? '' : ' ' + quote(t.name)}${sep}{${sep}${print(t.body, sep)}${sep}}`)).join(sep);

const backV = (v: Value): V => (v.kind === 'scalar' ? { s: v.text, quoted: v.quoted } : v.kind === 'list' ? v.items.map(backV) : []);
const back = (ss: Stmt[]): Tree[] =>
  ss.map((s) =>
    s.kind === 'assign'
      ? { kind: 'assign', name: s.name, value: backV(s.value) }
      : s.kind === 'scope'
        ? { kind: 'scope', type: s.type, name: s.name, body: back(s.body) }
        : { kind: 'assign', name: 'include', value: { s: s.target, quoted: true } },
  );

describe('parser: printed trees parse back to themselves', () => {
  it('whatever the layout', () => {
    fc.assert(
      fc.property(tree, fc.constantFrom(' ', '\n', '\n\t', ' /* c */ ', ' # c\n'), (t, sep) => {
        expect(back(parseConfig(print(t, sep), '/f.conf'))).toEqual(t);
      }),
      { numRuns: 1000 },
    );
  });
});
