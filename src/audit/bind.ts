import { readConfig } from '../config/index.js';
import type { ReadConfigOptions } from '../config/types.js';
import { makeRoot, realFs, type FsLike, type Root } from '../io/fs.js';
import { userDbFor, type UserDb } from '../io/users.js';
import { bindRules, loadRules } from '../rules/index.js';
import type { LoadRulesOptions } from '../rules/load.js';
import type { BoundRules } from '../rules/types.js';
import type { InstallOptions } from './types.js';
import { attachPackages } from '../package/index.js';

/** What every command that looks at the install starts from: the configuration and rules, bound. */
export interface Bound {
  bound: BoundRules;
  fs: FsLike;
  root: Root;
  users: UserDb;
}

/**
 * Read the configuration, load the rule layers for its version (`ruleSet` overrides) and bind them, without
 * walking anything. Throws MpError for configuration and rules errors.
 */
export function bindInstall(opts: InstallOptions): Bound {
  const fs = opts.fs ?? realFs;
  const root = makeRoot(opts.root);
  const users = opts.users ?? userDbFor(fs, root);
  const rc: ReadConfigOptions = {};
  if (opts.configFile !== undefined) rc.configFile = opts.configFile;
  if (opts.node !== undefined) rc.node = opts.node;
  if (opts.searchPath !== undefined) rc.searchPath = opts.searchPath;
  const config = readConfig(fs, root, users, rc);
  const lo: LoadRulesOptions = { version: opts.ruleSet ?? config.version };
  if (opts.localRules !== undefined) lo.localRules = opts.localRules;
  if (opts.rulesFile !== undefined) lo.rulesFile = opts.rulesFile;
  const bound = bindRules(loadRules(fs, root, lo), config, users);
  // The package layer (src/package/): one rpm query, between the shipped and the local rules.
  attachPackages(bound, fs, root, users, opts.packages);
  return { bound, fs, root, users };
}
