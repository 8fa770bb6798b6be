import { jsonText } from '../printable.js';
import { readConfig, renderSummary } from '../config/index.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import type { Io } from './io.js';
import { EXIT } from './io.js';
import type { CommonOptions } from './options.js';

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
  io.out(o.json ? jsonText(cfg, 2) + '\n' : renderSummary(cfg, io.color));
  return EXIT.ok;
}
