import * as path from 'node:path';
import {
  apiOptions,
  bindInstall,
  explainPath,
  exitStatus,
  lookEntry,
  MpError,
  renderView,
  resolveSettings,
  RPMFILE_GHOST,
  RPMFILE_MISSINGOK,
  type Entry,
  type TestHooks,
} from '../index.js';
import { explainedPackage } from '../report/package.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

/**
 * `momentum-perms explain PATH [--json]`: every rule that matches PATH (a Momentum path, read under
 * --root without following a link), what each expects, which wins, what PATH has, and the verdict.
 * Exit 1 when PATH has findings (or is required and missing), else 0; errors are thrown (2).
 */
export function runExplain(p: string, o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const { bound, fs, root, users } = bindInstall(apiOptions(resolveSettings(o), hooks));
  const target = path.posix.resolve('/', p);
  // As the audit looks at it: nothing on the way followed but root's own links.
  const look = lookEntry(fs, root, target);
  if ('errno' in look) throw new MpError('MP300', `cannot examine ${target}: ${look.errno}`);
  const entry: Entry | null = 'entry' in look ? look.entry : null;
  const x = explainPath(bound, target, entry, users);
  // What the package declares, with its provenance (src/package/).
  const pe = bound.packages?.layer?.resolve(target, entry?.type ?? 'file')?.pe;
  const pkg = pe ? explainedPackage(pe) : null;
  // A package file that does not exist is missing, unless the program makes it at run time (%ghost).
  if (entry === null && pe && !(pe.file.flags & (RPMFILE_GHOST | RPMFILE_MISSINGOK)) && !x.findings.some((f) => f.check === 'missing')) {
    x.findings = [...x.findings, { path: target, check: 'missing', expected: 'exists', actual: 'missing', rule: pe.provenance, message: `a file of ${pe.file.nevra} does not exist` }];
  }
  io.out(renderView('explain', viewFormat(o), { explanation: x, package: pkg, info: bound.packages?.info }, io.color));
  return exitStatus({ kind: 'audit', summary: { findings: x.findings.length, errors: 0 } });
}
