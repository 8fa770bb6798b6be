import type { Assignment, Dict, Include, List, Pos, Scope, Stmt, Value } from './ast.js';
import { Lexer, type Token } from './lexer.js';
import { errorAt } from './source.js';

/**
 * Deepest nesting of scopes, lists and dictionaries in one file. Real configurations nest four or five levels;
 * the limit keeps the recursive parser far from the stack's end whatever it is fed.
 */
export const MAX_DEPTH = 64;

/**
 * Parse one file of ecelerity.conf syntax into statements. Pure: text and file name in, tree out.
 *
 *     file       := stmt*
 *     stmt       := NAME '=' value | NAME [NAME|STRING] '{' stmt* '}' | ('include'|'readonly_include') target
 *     value      := WORD | STRING | '(' (value ','?)* ')' | '[' (key '=' value ','?)* ']'
 *
 * Throws MpError MP101 (syntax) or MP102 (unterminated string or comment) with the location and line.
 */
export function parseConfig(text: string, file: string): Stmt[] {
  return new Parser(text, file).file();
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  if (t.kind === 'string') return 'a quoted string';
  if (t.kind === 'word') return `'${t.text.length > 40 ? t.text.slice(0, 40) + '…' : t.text}'`;
  return `'${t.kind}'`;
}

class Parser {
  private readonly lx: Lexer;

  constructor(
    private readonly text: string,
    file: string,
  ) {
    this.lx = new Lexer(text, file);
  }

  private fail(message: string, pos: Pos, notes: string[] = []): never {
    throw errorAt('MP101', message, pos, this.text, notes);
  }

  file(): Stmt[] {
    const body = this.stmts(0);
    const t = this.lx.next();
    if (t.kind !== 'eof') this.fail(`unexpected ${describe(t)}: no scope is open here`, t.pos);
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
      const what = t.kind === 'string' ? 'a quoted string' : describe(t);
      this.fail(`expected an option or scope name, found ${what}`, t.pos);
    }
    const key = t.text.toLowerCase();
    const p = this.lx.peek();
    if ((key === 'include' || key === 'readonly_include') && (p.kind === 'word' || p.kind === 'string')) {
      this.lx.next();
      const inc: Include = { kind: 'include', readonly: key === 'readonly_include', target: p.text, targetPos: p.pos, pos: t.pos };
      return inc;
    }
    if (p.kind === '=') {
      this.lx.next();
      const a: Assignment = { kind: 'assign', name: t.text, key, value: this.value(depth, `a value for '${t.text}'`), pos: t.pos };
      return a;
    }
    if (p.kind === '{') return this.scope(t, null, depth);
    if (p.kind === 'word' || p.kind === 'string') {
      this.lx.next();
      const b = this.lx.peek();
      if (b.kind !== '{') this.fail(`expected '{' to open scope ${t.text} "${p.text}", found ${describe(b)}`, b.pos);
      return this.scope(t, p.text, depth);
    }
    return this.fail(`expected '=' or '{' after '${t.text}', found ${describe(p)}`, p.pos);
  }

  private scope(type: Token, name: string | null, depth: number): Scope {
    const open = this.lx.next();
    if (depth >= MAX_DEPTH) this.fail(`scopes nested deeper than ${MAX_DEPTH} levels`, open.pos);
    const body = this.stmts(depth + 1);
    const close = this.lx.next();
    if (close.kind !== '}') {
      const label = name === null ? type.text : `${type.text} "${name}"`;
      this.fail(`scope ${label} is never closed: missing '}'`, type.pos);
    }
    return { kind: 'scope', type: type.text, key: type.text.toLowerCase(), name, body, pos: type.pos };
  }

  private value(depth: number, what: string): Value {
    const t = this.lx.next();
    if (t.kind === 'word' || t.kind === 'string') return { kind: 'scalar', text: t.text, quoted: t.kind === 'string', pos: t.pos };
    if (t.kind === '(' || t.kind === '[') {
      if (depth >= MAX_DEPTH) this.fail(`values nested deeper than ${MAX_DEPTH} levels`, t.pos);
      return t.kind === '(' ? this.list(t, depth + 1) : this.dict(t, depth + 1);
    }
    return this.fail(`expected ${what}, found ${describe(t)}`, t.pos);
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
      if (t.kind !== 'word' && t.kind !== 'string') this.fail(`expected a key in dictionary, found ${describe(t)}`, t.pos);
      const eq = this.lx.next();
      if (eq.kind !== '=') this.fail(`expected '=' after dictionary key '${t.text}', found ${describe(eq)}`, eq.pos);
      entries.push({ key: t.text, keyPos: t.pos, value: this.value(depth, `a value for '${t.text}'`) });
    }
  }
}
