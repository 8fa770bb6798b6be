/**
 * The fixer's public surface: plan (pure), apply (the I/O edge), fix and undo as library calls.
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

export { planVerdict, selected, normaliseOnly, type PlanOptions } from './plan.js';
export { grantsSetid, parentUnsafe, writableByNonRoot, writableByService, sameValues, inTree, REFUSAL_TEXT } from './safety.js';
export { Applier, type ApplyOptions } from './apply.js';
export { showTarget, emptySummary, defaultBatchSize, atOrBelow } from './batch.js';
export { judge, type Judgement, type Seen, type Where } from './judge.js';
export { DirChain, ReachError, openEntry, typeOfMode, fdPath } from './access.js';
export { JournalWriter, journalName, recordLine } from './journal.js';
export { scanJournal, parseRecord, parseHeader, forEachLine, linesBackward, type JournalScan } from './journal-read.js';
export { acquireLock, parseLock, holderAlive, processStart, type Lock } from '../io/lock.js';
export { openState, openDirUnder, openChildDir, type StateDir, type OpenDir } from '../io/state.js';
export { assertRootOnly, assertRulesTrusted } from '../io/trust.js';
export { fixWith, serviceIds, rulesHostPaths, cures, FIXABLE, type FixOptions, type FixResult } from './run.js';
export { fixTextReporter, planLine, type FixReporter, type FixReportOptions } from './report-text.js';
export { printable } from '../printable.js';
export { fixJsonReporter } from './report-json.js';
export { undo, type UndoOptions, type UndoResult } from './undo.js';
export * from './types.js';
export { openDirChain, openTrustedFile } from '../io/secure-path.js';
export { untrustedPath, notPassable, notRootOnly } from '../io/trust.js';
