/**
 * The audit: configuration → rules bound to it → walk every declared tree → a verdict per entry.
 * Synchronous and streaming: findings and verdicts go to callbacks as they are made (the fixer and
 * snapshots consume verdicts the same way), and the result holds only counts.
 */
import { readConfig } from '../config/index.js';
import type { ReadConfigOptions } from '../config/types.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import { bindRules, loadRules } from '../rules/index.js';
import type { LoadRulesOptions } from '../rules/load.js';
import { auditBound } from './run.js';
import type { AuditOptions, AuditResult } from './types.js';

export type { AuditOptions, AuditResult } from './types.js';
export { auditBound, exitStatusOf, type AuditContext } from './run.js';

/**
 * Audit a Momentum install. Throws MpError (status 2) for configuration and rules errors, before anything
 * is examined; everything found during the walk is a finding, never an exception.
 */
export function audit(opts: AuditOptions = {}): AuditResult {
  const started = performance.now();
  const fs = opts.fs ?? realFs;
  const root = makeRoot(opts.root);
  const users = opts.users ?? userDbFor(fs, root);

  const rc: ReadConfigOptions = {};
  if (opts.configFile !== undefined) rc.configFile = opts.configFile;
  if (opts.node !== undefined) rc.node = opts.node;
  const config = readConfig(fs, root, users, rc);

  const lo: LoadRulesOptions = { version: opts.ruleSet ?? config.version };
  if (opts.localRules !== undefined) lo.localRules = opts.localRules;
  if (opts.rulesFile !== undefined) lo.rulesFile = opts.rulesFile;
  const bound = bindRules(loadRules(fs, root, lo), config, users);
  opts.onStart?.(bound);

  const summary = auditBound(bound, {
    fs,
    root,
    crossFilesystems: opts.crossFilesystems ?? false,
    onFinding: opts.onFinding,
    onVerdict: opts.onVerdict,
  });
  return { root: root.dir, bound, summary, durationMs: performance.now() - started };
}
