import { MpError, type ErrorCode } from '../errors.js';
import type { Pos } from './ast.js';

/**
 * The text of 1-based line `line` of `text`, without its line ending. Scans once and stops at the line, so that
 * an error near the start of a huge file costs little.
 */
export function lineAt(text: string, line: number): string {
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** Longest source line shown in an error frame: a minified or binary file must not flood the terminal. */
const MAX_SHOWN = 400;

/** An MpError pointing at `pos` in `text`, with the offending line for the code frame. */
export function errorAt(code: ErrorCode, message: string, pos: Pos, text: string | undefined, notes: string[] = []): MpError {
  const opts: { location: Pos; sourceLine?: string; notes: string[] } = { location: pos, notes };
  if (text !== undefined) {
    let shown = lineAt(text, pos.line);
    if (shown.length > MAX_SHOWN) {
      // Keep the caret's column meaningful: cut after it, and only when the column is within the shown part.
      shown = pos.column <= MAX_SHOWN - 20 ? shown.slice(0, MAX_SHOWN) + ' …' : shown;
      if (shown.length > MAX_SHOWN + 2) return new MpError(code, message, { location: pos, notes });
    }
    opts.sourceLine = shown;
  }
  return new MpError(code, message, opts);
}
