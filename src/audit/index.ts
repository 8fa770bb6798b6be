/**
 * The audit stage: the configuration and rules bound (bind.ts), every declared tree walked and each entry
 * judged (run.ts), the findings the audit makes itself (findings.ts). The pipeline that runs it into a
 * reporter, the fixer or the published callbacks is src/pipeline.ts.
 */
export type { AuditOptions, AuditResult, AuditScope, InstallOptions } from './types.js';
export { auditBound, examine, exitStatusOf, plainJudge, type AuditContext, type Examined, type Judge, type WalkContext } from './run.js';
export { bindInstall, type Bound } from './bind.js';
