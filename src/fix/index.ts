/**
 * The fixer's public surface: undo as a library call, and the option and result types (fix itself runs
 * the pipeline with the fixer as its sink: src/pipeline.ts).
 */
export type { FixOptions, FixResult } from './run.js';
export { undo, type UndoOptions, type UndoResult } from './undo.js';
