/**
 * The fixer's public surface: plan (pure), apply (the I/O edge), undo as a library call (fix is src/pipeline.ts).
 */
export type { FixOptions, FixResult } from './run.js';

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
export { startFix, serviceIds, rulesHostPaths, cures, FIXABLE, type Fixer } from './run.js';
export { fixTextReporter, planLine, type FixReporter, type FixReportOptions } from './report-text.js';
export { printable } from '../printable.js';
export { fixJsonReporter } from './report-json.js';
export { undo, type UndoOptions, type UndoResult } from './undo.js';
export * from './types.js';
export { openDirChain, openTrustedFile } from '../io/secure-path.js';
export { untrustedPath, notPassable, notRootOnly } from '../io/trust.js';
