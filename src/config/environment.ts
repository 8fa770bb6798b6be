import type { Pos } from './ast.js';

/** A variable set in Momentum's environment file, with where its value starts. */
export interface EnvValue {
  value: string;
  pos: Pos;
}

const ASSIGN = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * Read `/opt/msys/ecelerity/etc/environment`, a shell fragment that ec_ctl sources: `NAME=value`,
 * `NAME="value"`, `NAME='value'`, optionally after `export`. No expansion is done (`$X` stays as written).
 * A later assignment wins, as in the shell. Lines that are not simple assignments are ignored.
 */
export function parseEnvironment(text: string, file: string): Map<string, EnvValue> {
  const out = new Map<string, EnvValue>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    const m = ASSIGN.exec(line);
    if (!m) continue;
    const start = m[0].length;
    out.set(m[3] as string, { value: unquoteShellWord(line.slice(start)), pos: { file, line: n + 1, column: start + 1 } });
  }
  return out;
}

/** The first shell word of `s`: quotes removed, stopping at unquoted whitespace, `;` or `#`. */
function unquoteShellWord(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return out + s.slice(i + 1);
      out += s.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === ';' || c === '#') break;
    out += c;
    i++;
  }
  return out;
}
