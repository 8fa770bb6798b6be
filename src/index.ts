/**
 * The programmatic API. The CLI (src/cli.ts) only parses arguments, calls these and prints.
 *
 * The pipeline: readConfig → loadRules/bindRules → audit (walk + check) → fix (plan + apply) → report.
 */
export * from './types.js';
export { MpError, renderError, isMpError, type ErrorCode, type Location } from './errors.js';
export { makeRoot, hostPath, momentumPath, realFs, type FsLike, type Root } from './io/fs.js';
export { userDbFor, filesUserDb, nssUserDb, parsePasswd, parseGroup, type UserDb } from './io/users.js';

// Configuration
export { readConfig, parseConfig, renderSummary } from './config/index.js';
export type * from './config/types.js';

// Rules
export { parseRules, loadRules, bindRules, explainPath, compileGlob, globMatches, LOCAL_RULES } from './rules/index.js';
export type { Rule, RuleSet, BoundRules, TreeDecl, ModeConstraint, IdSpec, RuleOrigin, Explanation } from './rules/index.js';

// Audit and reports
export { audit, fix, reporterSink, runPipeline, type Sink, type Steps } from './pipeline.js';
export { exitStatusOf } from './audit/index.js';
export type { AuditOptions, AuditResult, InstallOptions } from './audit/types.js';
export { reporterFor, reporterNames, registerReporter } from './report/index.js';
export type { Reporter, ReportContext } from './report/index.js';

// Fix and undo
export { undo } from './fix/index.js';
export type { FixOptions, FixResult, UndoOptions, UndoResult } from './fix/index.js';

// Snapshots and the upgrade diff
export { snapshot, loadSnapshot } from './snapshot/index.js';
export { sinceStep, type SinceStep } from './upgrade/since.js';
