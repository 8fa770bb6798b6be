/** `momentum-perms rules [--json]`: the effective rules with their origin. Exit 0; errors are thrown (2). */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { bindInstall } from '../audit/bind.js';
import { exitStatus } from '../exit.js';
import { renderView } from '../report/views.js';
import { apiOptions, resolveSettings, type TestHooks } from '../settings.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

export function runRules(o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const { bound } = bindInstall(apiOptions(resolveSettings(o), hooks));
  io.out(renderView('rules', viewFormat(o), { bound }, io.color));
  return exitStatus({ kind: 'shown' });
}
