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

/** Longest source line shown in an error frame. */
const MAX_SHOWN = 400;

/** An MpError pointing at `pos`, with the offending line of `text` for the code frame when `text` is given. */
export function errorAt(code: ErrorCode, message: string, pos: Pos, text: string | undefined, notes: string[] = []): MpError {
  if (text === undefined) return new MpError(code, message, { location: pos, notes });
  let shown = lineAt(text, pos.line);
  if (shown.length > MAX_SHOWN) {
    // A minified or binary file must not flood the terminal: cut after the caret, or show no line when it is far in.
    if (pos.column > MAX_SHOWN) return new MpError(code, message, { location: pos, notes });
    shown = shown.slice(0, MAX_SHOWN) + ' …';
  }
  return new MpError(code, message, { location: pos, sourceLine: shown, notes });
}
