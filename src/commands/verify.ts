/**
 * `momentum-perms verify`: rpm -V for Momentum's package files, answered with the Security stanza and the
 * rules. One line per file that differs from its package or has a finding, with rpm -V's flag column and
 * the reasons; exit status as the audit's.
 */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { bindInstall } from '../audit/bind.js';
import { MpError } from '../errors.js';
import { exitStatus } from '../exit.js';
import { verifyPackages } from '../package/verify.js';
import { renderView } from '../report/views.js';
import { apiOptions, resolveSettings, type TestHooks } from '../settings.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

export function runVerify(o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const { bound, fs, root, users } = bindInstall(apiOptions(resolveSettings(o), hooks));
  const info = bound.packages?.info;
  if (!bound.packages?.layer) throw new MpError('MP300', `nothing to verify: the package layer is absent (${info?.reason ?? 'not read'})`);
  const result = verifyPackages(bound, fs, root, users);
  io.out(renderView('verify', viewFormat(o), { root: root.dir, bound, result }, io.color));
  return exitStatus({ kind: 'audit', summary: result.summary });
}
