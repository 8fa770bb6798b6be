import { readConfig } from '../config/index.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import type { Io } from './io.js';
import { EXIT } from './io.js';
import type { CommonOptions } from './options.js';

/** `momentum-perms config`: 0 read fine (warnings allowed), 2 usage or configuration error (thrown). */
export function runConfig(o: CommonOptions, io: Io): number {
  const root = makeRoot(o.root);
  const cfg = readConfig(realFs, root, userDbFor(realFs, root), {
    ...(o.config !== undefined ? { configFile: o.config } : {}),
    ...(o.node !== undefined ? { node: o.node } : {}),
  });
  io.out(JSON.stringify(cfg, null, 2) + '\n');
  return EXIT.ok;
}
