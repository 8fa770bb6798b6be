/** `momentum-perms rules [--json]`: the effective rules with their origin. Exit 0; errors are thrown (2). */
import { apiOptions, bindInstall, exitStatus, renderView, resolveSettings, type TestHooks } from '../index.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

export function runRules(o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const { bound } = bindInstall(apiOptions(resolveSettings(o), hooks));
  io.out(renderView('rules', viewFormat(o), { bound }, io.color));
  return exitStatus({ kind: 'shown' });
}
