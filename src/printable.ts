/**
 * Text that reaches a terminal, a cron mail or a log line from the disk or the configuration (file names,
 * configuration values in messages) is shown with its control characters escaped.
 */

// C0 and C1 controls (U+0085 NEL included), DEL, the Unicode line and paragraph separators, and the
// bidirectional formatting characters (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069): a right-to-left
// override in a file name shows `/var/spool/x‮hsab.‭` as something else than the bytes it names, and can
// make a line read backwards (Trojan Source).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * Text from the disk or the configuration with its control characters escaped (`\n`, `\t`, `\x1b`, …).
 * Stops: a file name holding a newline that forges report lines ("fixed … /etc/shadow"), or a terminal
 * escape sequence, in a root run's report, cron mail or log.
 */
export function printable(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, (ch) => {
    const c = ch.charCodeAt(0);
    if (c === 10) return '\\n';
    if (c === 9) return '\\t';
    if (c === 13) return '\\r';
    return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16)}`;
  });
}

// What JSON.stringify leaves raw and a reader may still act on: C1 controls (U+0085 is a line break to
// some readers), DEL, U+2028/U+2029 (line breaks to JavaScript before ES2019 and to many line-oriented
// tools), and the bidi formatting characters. Escaped as \uXXXX, the document parses to the same strings.
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, with the characters above written as `\uXXXX` escapes. Stops: an NDJSON consumer that
 * splits on U+2028/U+2029/U+0085, or a terminal showing `jq` output, being handed a forged line or a
 * reversed one by a file name. The parsed value is unchanged.
 */
export function jsonText(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(JSON_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Quote one shell word only where a shell would need it. A word holding a character printable() escapes (a
 * newline, an escape sequence, a bidi override: a path from the disk or the configuration) is written in
 * bash's $'…' quoting, which names each such character instead of carrying it raw: the suggested `Next:`
 * command can neither forge a report line nor drive the terminal, and still names the exact path.
 */
export function shellWord(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  if (printable(s) === s) return `'${s.replace(/'/g, `'\\''`)}'`;
  return `$'${s.replace(/[\\']/g, (ch) => `\\${ch}`).replace(/[^\\']/g, (ch) => (printable(ch) === ch ? ch : ansiC(ch)))}'`;
}

function ansiC(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 10) return '\\n';
  if (c === 9) return '\\t';
  if (c === 13) return '\\r';
  return c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}
