/**
 * The fixer's public surface: plan (pure), apply (the I/O edge), fix and undo as library calls.
 */
export { planVerdict, selected, normaliseOnly, type PlanOptions } from './plan.js';
export { grantsSetid, parentUnsafe, writableByNonRoot, writableByService, sameValues, inTree, REFUSAL_TEXT } from './safety.js';
export { Applier, showTarget, emptySummary, type ApplyOptions } from './apply.js';
export { DirChain, ReachError, openEntry, typeOfMode, fdPath } from './access.js';
export { JournalWriter, journalName, recordLine } from './journal.js';
export { scanJournal, parseRecord, parseHeader, forEachLine, linesBackward, type JournalScan } from './journal-read.js';
export { acquireLock, parseLock, holderAlive, processStart, type Lock } from './lock.js';
export { openState, openDirUnder, openChildDir, type StateDir, type OpenDir } from './state.js';
export { assertRootOnly, assertRulesTrusted } from './trust.js';
export { fixWith, serviceIds, rulesHostPaths, FIXABLE, type FixOptions, type FixResult } from './run.js';
export { undo, type UndoOptions, type UndoResult } from './undo.js';
export * from './types.js';
