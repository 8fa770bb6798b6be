import type { Pos } from './ast.js';
import { errorAt, lineAt } from './source.js';
import { curlyQuoteIn } from './typography.js';

/** Strings that spanned lines kept for the hint of an unterminated string (the first ones are the likely culprits). */
const MAX_MULTILINE = 16;

export type TokenKind = 'word' | 'string' | '{' | '}' | '(' | ')' | '[' | ']' | '=' | ',' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The word, or the string with its escapes decoded; the punctuation itself otherwise. */
  text: string;
  pos: Pos;
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', '=', ',']);

/** Characters that end a bareword. `/` does not (paths are common barewords), but `/*` does. */
function endsWord(c: string): boolean {
  return c <= ' ' || PUNCT.has(c) || c === '"' || c === "'" || c === '#';
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', "'": "'" };

/**
 * A streaming lexer for ecelerity.conf syntax: barewords, double-quoted strings with backslash escapes,
 * single-quoted strings (taken literally), punctuation, `#` and non-nesting `/* *\/` comments.
 *
 * Every call to next() consumes at least one character or returns eof, so lexing always terminates.
 * The only error it throws is MpError MP102 (unterminated string or comment).
 */
export class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private peeked: Token | undefined;
  /** Strings that spanned lines, in order: the usual cause of an unterminated string further down. */
  private readonly multiline: Pos[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
    /** Whether errors may show the offending line (see parseConfig). */
    private readonly quote = true,
  ) {}

  /** The next token without consuming it. */
  peek(): Token {
    this.peeked ??= this.scan();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private pos(at: number): Pos {
    return { file: this.file, line: this.line, column: at - this.lineStart + 1 };
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  private scan(): Token {
    const s = this.text;
    for (;;) {
      this.skipSpace();
      if (this.i >= s.length) return { kind: 'eof', text: '', pos: this.pos(this.i) };
      const c = s[this.i] as string;
      if (c === '#') {
        const nl = s.indexOf('\n', this.i);
        this.i = nl < 0 ? s.length : nl;
        continue;
      }
      if (c === '/' && s[this.i + 1] === '*') {
        this.skipBlockComment();
        continue;
      }
      const pos = this.pos(this.i);
      if (PUNCT.has(c)) {
        this.i++;
        return { kind: c as TokenKind, text: c, pos };
      }
      if (c === '"') return { kind: 'string', text: this.doubleQuoted(pos), pos };
      if (c === "'") return { kind: 'string', text: this.singleQuoted(pos), pos };
      return { kind: 'word', text: this.word(), pos };
    }
  }

  private skipSpace(): void {
    const s = this.text;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c > ' ') return;
      if (c === '\n') this.newline(this.i);
      this.i++;
    }
  }

  private skipBlockComment(): void {
    const start = this.pos(this.i);
    const s = this.text;
    // Comments do not nest: the first */ ends it, whatever /* came in between.
    const end = s.indexOf('*/', this.i + 2);
    if (end < 0) throw errorAt('MP102', 'unterminated comment: /* has no closing */', start, this.quote ? s : undefined);
    this.advanceTo(end + 2);
  }

  /** Move to `to`, counting the newlines passed. */
  private advanceTo(to: number): void {
    const s = this.text;
    let nl = s.indexOf('\n', this.i);
    while (nl >= 0 && nl < to) {
      this.newline(nl);
      nl = s.indexOf('\n', nl + 1);
    }
    this.i = to;
  }

  private word(): string {
    const s = this.text;
    const start = this.i;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (endsWord(c) || (c === '/' && s[this.i + 1] === '*')) break;
      this.i++;
    }
    return s.slice(start, this.i);
  }

  private doubleQuoted(start: Pos): string {
    const s = this.text;
    let out = '';
    let j = this.i + 1;
    let chunk = j;
    while (j < s.length) {
      const c = s[j] as string;
      if (c === '"') {
        out += s.slice(chunk, j);
        const line = this.line;
        this.advanceTo(j + 1);
        if (this.line !== line) this.spanned(start);
        return out;
      }
      if (c === '\\' && j + 1 < s.length) {
        out += s.slice(chunk, j);
        const e = s[j + 1] as string;
        // Unknown escapes keep their backslash: regular expressions in values (`"^.*\.example\.com"`) survive.
        out += ESCAPES[e] ?? '\\' + e;
        j += 2;
        chunk = j;
        continue;
      }
      j++;
    }
    throw this.unterminated('unterminated string: " has no closing quote', start);
  }

  private spanned(start: Pos): void {
    if (this.multiline.length < MAX_MULTILINE) this.multiline.push(start);
  }

  /**
   * MP102 for a string that never closes. Copied documentation often closes a string with a curly quote
   * (`"bc:24”`): the straight quote then pairs with the next string's opening one, and every quote after is off
   * by one until the last string runs to the end of the file. The error points at that curly quote, on the
   * opening line of the first string that spanned lines (or of this one); failing that, the hint names the last
   * string that spanned lines.
   */
  private unterminated(message: string, start: Pos): Error {
    const text = this.quote ? this.text : undefined;
    for (const m of [...this.multiline, start]) {
      const q = curlyQuoteIn(lineAt(this.text, m.line), m.column);
      if (!q) continue;
      const at: Pos = { file: m.file, line: m.line, column: q.at + 1 };
      return errorAt('MP102', `unterminated string: the string opened at ${m.line}:${m.column} ends with a curly quote (${q.name}), which does not close it`, at, text, [
        `replace it with a straight quote; ecelerity quotes only with " and '`,
      ]);
    }
    const m = this.multiline[this.multiline.length - 1];
    const hint = m ? [`the string opened at ${m.file}:${m.line}:${m.column} spans lines: is its closing quote missing?`] : [];
    return errorAt('MP102', message, start, text, hint);
  }

  private singleQuoted(start: Pos): string {
    const s = this.text;
    const end = s.indexOf("'", this.i + 1);
    if (end < 0) throw this.unterminated("unterminated string: ' has no closing quote", start);
    const out = s.slice(this.i + 1, end);
    const line = this.line;
    this.advanceTo(end + 1);
    if (this.line !== line) this.spanned(start);
    return out;
  }
}
