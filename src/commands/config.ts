import { jsonText } from '../printable.js';
import { readConfig, renderSummary } from '../config/index.js';
import { isMpError } from '../errors.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import type { PackageLayerInfo } from '../package/layer.js';
import { packageInfoText } from '../package/print.js';
import type { Io } from './io.js';
import { EXIT } from './io.js';
import { type CommonOptions } from './options.js';
import { bindFromOptions } from './rules.js';

/**
 * `momentum-perms config [--root DIR] [--config FILE] [--node NAME] [--json]`: the configuration as the tool
 * reads it. Exit 0 when it was read (warnings allowed); configuration errors are thrown as MpError (exit 2).
 */
export function runConfig(o: CommonOptions, io: Io): number {
  const root = makeRoot(o.root);
  const searchPath = process.env['EC_CONF_SEARCH_PATH'];
  const cfg = readConfig(realFs, root, userDbFor(realFs, root), {
    ...(o.config !== undefined ? { configFile: o.config } : {}),
    ...(o.node !== undefined ? { node: o.node } : {}),
    ...(searchPath !== undefined && searchPath !== '' ? { searchPath } : {}),
  });
  const packages = packageLayer(o);
  io.out(o.json ? jsonText({ ...cfg, packages }, 2) + '\n' : renderSummary(cfg, io.color) + '\n' + packageInfoText(packages, io.color));
  return EXIT.ok;
}

/** Whether the package layer is present (it needs the rules' trees); a rules error is said, not thrown. */
function packageLayer(o: CommonOptions): PackageLayerInfo {
  try {
    return bindFromOptions(o).bound.packages?.info ?? { present: false, reason: 'not read' };
  } catch (e) {
    if (!isMpError(e)) throw e;
    return { present: false, reason: `not read: the rules could not be bound (${e.code}: ${e.message})` };
  }
}
