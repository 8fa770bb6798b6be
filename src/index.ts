/**
 * The programmatic API. The CLI (src/cli.ts) parses arguments, resolves the settings, calls these and hands
 * the result to a reporter; so does any other program.
 *
 * The pipeline (src/pipeline.ts): bind (readConfig, loadRules/bindRules) → walk → check → since-diff → a sink:
 * a reporter (audit), the fixer (plan + apply), or the audit's callbacks.
 */
export * from './types.js';
export { MpError, renderError, isMpError, type ErrorCode, type Location } from './errors.js';
export { makeRoot, hostPath, momentumPath, realFs, type FsLike, type Root } from './io/fs.js';
export { userDbFor, filesUserDb, nssUserDb, parsePasswd, parseGroup, type UserDb } from './io/users.js';
export { printable, jsonText, shellWord } from './printable.js';

// Settings and exit statuses
export { resolveSettings, apiOptions, rerunArgs, DEFAULT_STATE_DIR, type Settings, type SettingsOptions, type TestHooks, type ApiOptions } from './settings.js';
export { EXIT, exitStatus, exitStatusOf, type Ending, type ExitStatus } from './exit.js';

// Configuration
export { readConfig, parseConfig } from './config/index.js';
export type * from './config/types.js';

// Rules
export { parseRules, loadRules, bindRules, explainPath, compileGlob, globMatches, LOCAL_RULES } from './rules/index.js';
export type { Rule, RuleSet, BoundRules, TreeDecl, ModeConstraint, IdSpec, RuleOrigin, Explanation } from './rules/index.js';

// The install, bound; one path explained as the audit looks at it; the package layer's verify
export { bindInstall, type Bound } from './audit/bind.js';
export { lookEntry } from './walk/index.js';
export { verifyPackages, type VerifyResult } from './package/verify.js';
export { explainInstalled, type Explained, type ExplainedPackage } from './package/explain.js';

// Audit and reports: the pipeline (bind → walk → check → since-diff → sink) and its sinks
export { audit, fix, reporterSink, runPipeline, type Sink as PipelineSink, type Steps } from './pipeline.js';
export type { AuditOptions, AuditResult, InstallOptions } from './audit/types.js';
export { reporterFor, reporterNames, registerReporter, fixReporterFor } from './report/registry.js';
export { renderView, type Views, type ViewFormat } from './report/views.js';
export { renderSummary } from './report/config.js';
export type { Reporter, ReporterFactory, ReportContext, ReportHeader, Sink } from './report/types.js';

// Fix and undo
export { undo } from './fix/index.js';
export type { FixOptions, FixResult, UndoOptions, UndoResult } from './fix/index.js';

// Snapshots, the upgrade diff and the package hooks
export { snapshot, loadSnapshot, stateSnapshotPath, type SnapshotOptions, type SnapshotResult } from './snapshot/index.js';
export { sinceStep, type SinceStep } from './upgrade/since.js';
export { HOOK_PHASES, BASELINE_SNAPSHOT, PRE_UPGRADE_SNAPSHOT, hookRoot, runHookPhase, snapshotAge, when, type HookOptions, type HookPhase } from './upgrade/hook.js';
export { hookLog, DEFAULT_LOG_FILE } from './upgrade/log.js';
export { textfileDir, TEXTFILE_DIRS, TEXTFILE_ENV } from './upgrade/status.js';
