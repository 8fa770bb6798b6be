/**
 * The audit: configuration → rules bound to it → walk every declared tree → a verdict per entry.
 * Synchronous and streaming: findings and verdicts go to callbacks as they are made (the fixer and
 * snapshots consume verdicts the same way), and the result holds only counts.
 */
import { bindInstall } from './bind.js';
import { auditBound } from './run.js';
import type { AuditOptions, AuditResult } from './types.js';

export type { AuditOptions, AuditResult, AuditScope } from './types.js';
export { auditBound, exitStatusOf, type AuditContext } from './run.js';
export { bindInstall, type Bound } from './bind.js';

/**
 * Audit a Momentum install. Throws MpError (status 2) for configuration and rules errors, before anything
 * is examined; everything found during the walk is a finding, never an exception.
 */
export function audit(opts: AuditOptions = {}): AuditResult {
  const started = performance.now();
  const { bound, fs, root } = bindInstall(opts);
  opts.onStart?.(bound);

  const summary = auditBound(bound, {
    fs,
    root,
    crossFilesystems: opts.crossFilesystems ?? false,
    scope: opts.scope,
    onFinding: opts.onFinding,
    onVerdict: opts.onVerdict,
  });
  return { root: root.dir, bound, summary, durationMs: performance.now() - started };
}
