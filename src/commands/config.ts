// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { bindInstall } from '../audit/bind.js';
import { readConfig } from '../config/index.js';
import { isMpError } from '../errors.js';
import { exitStatus } from '../exit.js';
import { realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import { renderView } from '../report/views.js';
import { apiOptions, resolveSettings, type Settings, type TestHooks } from '../settings.js';
import type { PackageLayerInfo } from '../package/layer.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

/**
 * `momentum-perms config [--root DIR] [--config FILE] [--node NAME] [--json]`: the configuration as the tool
 * reads it. Exit 0 when it was read (warnings allowed); configuration errors are thrown as MpError (exit 2).
 */
export function runConfig(o: CommonOptions, io: Io, hooks: TestHooks = {}): number {
  const s = resolveSettings(o);
  const fs = hooks.fs ?? realFs;
  const config = readConfig(fs, s.root, hooks.users ?? userDbFor(fs, s.root), {
    ...(s.configFile !== undefined ? { configFile: s.configFile } : {}),
    ...(s.node !== undefined ? { node: s.node } : {}),
    ...(s.searchPath !== undefined ? { searchPath: s.searchPath } : {}),
  });
  io.out(renderView('config', viewFormat(o), { config, packages: packageLayer(s, hooks) }, io.color));
  return exitStatus({ kind: 'shown' });
}

/** Whether the package layer is present (it needs the rules' trees); a rules error is said, not thrown. */
function packageLayer(s: Settings, hooks: TestHooks): PackageLayerInfo {
  try {
    return bindInstall(apiOptions(s, hooks)).bound.packages?.info ?? { present: false, reason: 'not read' };
  } catch (e) {
    if (!isMpError(e)) throw e;
    return { present: false, reason: `not read: the rules could not be bound (${e.code}: ${e.message})` };
  }
}
