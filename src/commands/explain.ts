/**
 * `momentum-perms explain PATH [--json]`: every rule that matches PATH (a Momentum path, read under
 * --root without following a link), what each expects, which wins, what PATH has, and the verdict.
 * Exit 1 when PATH has findings (or is required and missing), else 0; errors are thrown (2).
 */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { bindInstall } from '../audit/bind.js';
import { exitStatus } from '../exit.js';
import { explainInstalled } from '../package/explain.js';
import { renderView } from '../report/views.js';
import { apiOptions, resolveSettings, type TestHooks } from '../settings.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

export function runExplain(p: string, o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const b = bindInstall(apiOptions(resolveSettings(o), hooks));
  const x = explainInstalled(b, p);
  io.out(renderView('explain', viewFormat(o), { ...x, info: b.bound.packages?.info }, io.color));
  return exitStatus({ kind: 'audit', summary: { findings: x.explanation.findings.length, errors: 0 } });
}
