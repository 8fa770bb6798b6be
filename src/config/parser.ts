import type { Assignment, Dict, Include, List, Pos, Scope, Stmt, Value } from './ast.js';
import { Lexer, type Token } from './lexer.js';
import { errorAt, lineAt } from './source.js';
import { copiedText, curlyQuoteIn, opensWithCurlyQuote } from './typography.js';

/**
 * Deepest nesting of scopes, lists and dictionaries in one file. Real configurations nest four or five levels;
 * the limit keeps the recursive parser far from the stack's end whatever it is fed.
 */
export const MAX_DEPTH = 64;

/**
 * Parse one file of ecelerity.conf syntax into statements. Pure: text and file name in, tree out.
 *
 *     file       := stmt*
 *     stmt       := NAME '=' value | NAME list | NAME dict | NAME '='? [NAME|STRING] '{' stmt* '}'
 *                 | ('include'|'readonly_include') target
 *     value      := WORD | STRING | list | dict
 *     list       := '(' (value ','?)* ')'
 *     dict       := '[' (key '=' value ','?)* ']'
 *
 * The `=` is optional before a list or dictionary (`map [ … ]`, as Momentum's own examples write it: a word
 * followed by `[` can only open a value), and tolerated between a scope's type (and name) and its `{`
 * (`Esmtp_Listener = {`, `Replicate = "x" {}`): the scope records where, so that the reader can warn.
 *
 * Throws MpError MP101 (syntax) or MP102 (unterminated string or comment) with the location and line.
 * With `quote: false` the errors name the place but quote nothing of the text (neither the line nor a word).
 */
export function parseConfig(text: string, file: string, opts: { quote?: boolean } = {}): Stmt[] {
  return new Parser(text, file, opts.quote ?? true).file();
}

class Parser {
  private readonly lx: Lexer;

  constructor(
    private readonly text: string,
    file: string,
    private readonly quote: boolean,
  ) {
    this.lx = new Lexer(text, file, quote);
  }

  private fail(message: string, pos: Pos, notes: string[] = []): never {
    throw errorAt('MP101', message, pos, this.quote ? this.text : undefined, notes);
  }

  /** A word of the text for a message, or `generic` when the text must not be quoted. */
  private q(text: string, generic: string): string {
    return this.quote ? `'${text.length > 40 ? text.slice(0, 40) + '…' : text}'` : generic;
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'string') return 'a quoted string';
    if (t.kind === 'word') {
      const c = copiedText(t.text);
      return c ? `${this.q(t.text, 'a word')}, ${c.what}` : this.q(t.text, 'a word');
    }
    return `'${t.kind}'`;
  }

  /** A word that is documentation text (an elision, a no-break space, a curly quote) is named as such, where it is. */
  private failCopied(t: Token, context: string): void {
    if (t.kind !== 'word') return;
    const c = copiedText(t.text);
    if (!c) return;
    const pos = { ...t.pos, column: t.pos.column + c.at };
    this.fail(`${context}${this.q(t.text, 'a word')}, ${c.what}`, pos, [c.hint]);
  }

  file(): Stmt[] {
    const body = this.stmts(0);
    const t = this.lx.next();
    if (t.kind !== 'eof') this.fail(`unexpected ${this.describe(t)}: no scope is open here`, t.pos);
    return body;
  }

  /** Statements until '}' or end of file (neither consumed). */
  private stmts(depth: number): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === 'eof' || t.kind === '}') return out;
      out.push(this.stmt(depth));
    }
  }

  private stmt(depth: number): Stmt {
    const t = this.lx.next();
    if (t.kind !== 'word') {
      const e = this.lx.peek();
      if (t.kind === '(' && e.kind === 'word' && /^(\.\.\.|…)/.test(e.text)) {
        this.fail(`expected an option or scope name, found '(${e.text}', which looks like a documentation elision (the example leaves text out here)`, t.pos, [
          'write out what the example leaves out, or delete the elision',
        ]);
      }
      const what = t.kind === 'string' ? 'a quoted string' : this.describe(t);
      this.fail(`expected an option or scope name, found ${what}`, t.pos);
    }
    // No option or scope is named with dots only: `..` or `…` on a line of its own is an elision, even where the
    // next line would make it parse (`..` then `fbl {` reads as a scope `..` named "fbl").
    if (/^(\.+|…|⋮)$/.test(t.text)) this.failCopied(t, 'expected an option or scope name, found ');
    const key = t.text.toLowerCase();
    const p = this.lx.peek();
    if ((key === 'include' || key === 'readonly_include') && (p.kind === 'word' || p.kind === 'string')) {
      this.lx.next();
      const inc: Include = { kind: 'include', readonly: key === 'readonly_include', target: p.text, targetPos: p.pos, pos: t.pos };
      return inc;
    }
    const what = `a value for ${this.q(t.text, 'the option')}`;
    if (p.kind === '[' || p.kind === '(') {
      const a: Assignment = { kind: 'assign', name: t.text, key, value: this.value(depth, what), pos: t.pos };
      return a;
    }
    if (p.kind === '=') {
      const eq = this.lx.next();
      const v = this.lx.peek();
      // `Name = {` and `Name = "x" {`: no value is followed by '{', so this can only be a scope.
      if (v.kind === '{') return this.scope(t, null, depth, eq.pos);
      if (v.kind === 'word' || v.kind === 'string') {
        this.lx.next();
        if (this.lx.peek().kind === '{') return this.scope(t, v.text, depth, eq.pos);
        const a: Assignment = { kind: 'assign', name: t.text, key, value: this.scalar(v), pos: t.pos };
        return a;
      }
      const a: Assignment = { kind: 'assign', name: t.text, key, value: this.value(depth, what), pos: t.pos };
      return a;
    }
    if (p.kind === '{') return this.scope(t, null, depth);
    if (p.kind === 'word' || p.kind === 'string') {
      this.lx.next();
      const b = this.lx.peek();
      if (b.kind !== '{') {
        const scope = this.quote ? `scope ${t.text} "${p.text}"` : 'a named scope';
        // Name what the documentation left in the text, where the parse went wrong because of it.
        this.failCopied(t, 'expected an option or scope name, found ');
        if (p.kind === 'string') this.failCurlyString(p);
        this.failCopied(b, `expected '{' to open ${scope}, found `);
        if (p.kind === 'word') this.failCopied(p, `expected '=' or '{' after ${this.q(t.text, 'a name')}, found `);
        this.fail(`expected '{' to open ${scope}, found ${this.describe(b)}`, b.pos);
      }
      return this.scope(t, p.text, depth);
    }
    this.failCopied(t, 'expected an option or scope name, found ');
    return this.fail(`expected '=' or '{' after ${this.q(t.text, 'a name')}, found ${this.describe(p)}`, p.pos);
  }

  /** A string whose opening line holds a curly quote after its opening one: the curly quote was meant to close it. */
  private failCurlyString(p: Token): void {
    const q = curlyQuoteIn(lineAt(this.text, p.pos.line), p.pos.column);
    if (!q) return;
    this.fail(`the string opened at ${p.pos.line}:${p.pos.column} ends with a curly quote (${q.name}), which does not close it`, { ...p.pos, column: q.at + 1 }, [
      `replace it with a straight quote; ecelerity quotes only with " and '`,
    ]);
  }

  /** A value written in typographic quotes (`“/var/log/x”`) is documentation text: refused, never read as a path. */
  private scalar(t: Token): Value {
    if (t.kind === 'word' && opensWithCurlyQuote(t.text)) {
      const c = copiedText(t.text);
      this.fail(`a value in curly quotes: ${this.q(t.text, 'a word')}${c ? `, ${c.what}` : ''}`, t.pos, [`replace them with straight quotes; ecelerity quotes only with " and '`]);
    }
    return { kind: 'scalar', text: t.text, quoted: t.kind === 'string', pos: t.pos };
  }

  private scope(type: Token, name: string | null, depth: number, equals?: Pos): Scope {
    const open = this.lx.next();
    if (depth >= MAX_DEPTH) this.fail(`scopes nested deeper than ${MAX_DEPTH} levels`, open.pos);
    const body = this.stmts(depth + 1);
    const close = this.lx.next();
    if (close.kind !== '}') {
      const label = !this.quote ? 'a scope' : name === null ? `scope ${type.text}` : `scope ${type.text} "${name}"`;
      this.fail(`${label} is never closed: missing '}'`, type.pos);
    }
    const sc: Scope = { kind: 'scope', type: type.text, key: type.text.toLowerCase(), name, body, pos: type.pos };
    if (equals) sc.equals = equals;
    return sc;
  }

  private value(depth: number, what: string): Value {
    const t = this.lx.next();
    if (t.kind === 'word' || t.kind === 'string') return this.scalar(t);
    if (t.kind === '(' || t.kind === '[') {
      if (depth >= MAX_DEPTH) this.fail(`values nested deeper than ${MAX_DEPTH} levels`, t.pos);
      return t.kind === '(' ? this.list(t, depth + 1) : this.dict(t, depth + 1);
    }
    return this.fail(`expected ${what}, found ${this.describe(t)}`, t.pos);
  }

  private list(open: Token, depth: number): List {
    const items: Value[] = [];
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === ')') {
        this.lx.next();
        return { kind: 'list', items, pos: open.pos };
      }
      if (t.kind === ',') {
        this.lx.next();
        continue;
      }
      if (t.kind === 'eof') this.fail(`list is never closed: missing ')'`, open.pos);
      items.push(this.value(depth, "a list item or ')'"));
    }
  }

  private dict(open: Token, depth: number): Dict {
    const entries: Dict['entries'] = [];
    for (;;) {
      const t = this.lx.next();
      if (t.kind === ']') return { kind: 'dict', entries, pos: open.pos };
      if (t.kind === ',') continue;
      if (t.kind === 'eof') this.fail(`dictionary is never closed: missing ']'`, open.pos);
      if (t.kind !== 'word' && t.kind !== 'string') this.fail(`expected a key in dictionary, found ${this.describe(t)}`, t.pos);
      this.failCopied(t, 'expected a key in dictionary, found ');
      const eq = this.lx.next();
      if (eq.kind !== '=') {
        const key = this.quote ? `the key ${this.q(t.text, '')}` : 'the key';
        this.fail(`expected '=' after ${key} in a dictionary, found ${this.describe(eq)}`, eq.pos);
      }
      entries.push({ key: t.text, keyPos: t.pos, value: this.value(depth, `a value for ${this.q(t.text, 'the key')}`) });
    }
  }
}
