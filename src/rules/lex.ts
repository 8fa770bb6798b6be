/**
 * Splits one line of a rules file into words. A word runs to the next blank; a double-quoted section inside
 * a word may hold blanks (`reason="a b"`, `"/path with space/**"`). Inside quotes `\"` is a quote and `\\`
 * a backslash; any other backslash is kept, so glob escapes such as `\*` survive quoting. `#` at the start of
 * a word starts a comment that runs to the end of the line.
 */

/** One word of a line: its text with quotes removed, and where `=` splits it into key and value. */
export interface Word {
  /** 0-based index of the word's first character in the line. */
  start: number;
  /** The word with quotes processed. */
  text: string;
  /** Index in `text` of the first `=` outside quotes, or -1. */
  eq: number;
  /** 0-based index in the line of the first character after that `=`. */
  valueStart: number;
  /** The word began with a quote (a quoted pattern). */
  quoted: boolean;
}

/** An unterminated quote: 0-based index of the opening quote. */
export class UnterminatedString extends Error {
  readonly index: number;
  constructor(index: number) {
    super('unterminated string: a quote is opened here and never closed');
    this.index = index;
  }
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/** The words of a line, comments dropped. Throws UnterminatedString. */
export function words(line: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isBlank(line[i])) i++;
    if (i >= n || line[i] === '#') break;
    const start = i;
    let text = '';
    let eq = -1;
    let valueStart = -1;
    while (i < n && !isBlank(line[i])) {
      const c = line[i] as string;
      if (c === '"') {
        const open = i++;
        for (;;) {
          if (i >= n) throw new UnterminatedString(open);
          const q = line[i] as string;
          if (q === '"') break;
          if (q === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) i++;
          text += line[i];
          i++;
        }
        i++;
        continue;
      }
      if (c === '=' && eq < 0) {
        eq = text.length;
        valueStart = i + 1;
      }
      text += c;
      i++;
    }
    out.push({ start, text, eq, valueStart, quoted: line[start] === '"' });
  }
  return out;
}
