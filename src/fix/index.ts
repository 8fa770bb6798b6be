/**
 * The fixer's public surface: fix and undo as library calls, and their option and result types.
 */
import { audit } from '../audit/index.js';
import { fixWith, type FixOptions, type FixResult } from './run.js';

/**
 * Correct owner, group and mode drift the audit finds, safely, with a journal for undo. Refusals and
 * failures are outcomes (see `opts.sink` and the summary). Throws MpError: configuration and rules errors,
 * MP203 (a rules file not root's alone), MP301 (another run holds the lock), MP303 (unsafe state
 * directory), MP304 (not root).
 */
export function fix(opts: FixOptions = {}): FixResult {
  return fixWith(audit, opts);
}

export type { FixOptions, FixResult } from './run.js';
export { undo, type UndoOptions, type UndoResult } from './undo.js';
