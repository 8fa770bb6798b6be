/**
 * Text that reaches a terminal, a cron mail or a log line from the disk or the configuration (file names,
 * configuration values in messages) is shown with its control characters escaped.
 */

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
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
