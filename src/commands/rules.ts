import { readConfig } from '../config/index.js';
import type { ReadConfigOptions } from '../config/types.js';
import { makeRoot, realFs, type FsLike, type Root } from '../io/fs.js';
import { userDbFor, type UserDb } from '../io/users.js';
import { bindRules, loadRules, type BoundRules, type LoadRulesOptions } from '../rules/index.js';
import { jsonText } from '../printable.js';
import { rulesJson, rulesText } from '../rules/print.js';
import { attachPackages } from '../package/index.js';
import { packageInfoText } from '../package/print.js';
import { packageOptionsOf } from './options.js';
import type { Io } from './io.js';
import { EXIT } from './io.js';
import type { CommonOptions } from './options.js';

/** What a command reads from, injected by tests (memfs, a fixed user database). */
export interface CommandEnv {
  fs?: FsLike;
  users?: UserDb;
}

/**
 * Read the configuration and the rule layers and bind them, from the common options: the rule set is
 * `--rule-set` when given, else the one the install's configuration calls for.
 */
export function bindFromOptions(o: CommonOptions, env: CommandEnv = {}): { bound: BoundRules; fs: FsLike; root: Root; users: UserDb } {
  const fs = env.fs ?? realFs;
  const root = makeRoot(o.root);
  const users = env.users ?? userDbFor(fs, root);
  const rc: ReadConfigOptions = {};
  if (o.config !== undefined) rc.configFile = o.config;
  if (o.node !== undefined) rc.node = o.node;
  const config = readConfig(fs, root, users, rc);
  const lo: LoadRulesOptions = { version: o.ruleSet === '3.x' || o.ruleSet === '4.x' ? o.ruleSet : config.version };
  if (o.localRules !== undefined) lo.localRules = o.localRules;
  if (o.rules !== undefined) lo.rulesFile = o.rules;
  const bound = bindRules(loadRules(fs, root, lo), config, users);
  // The package layer (src/package/): one rpm query, between the shipped and the local rules.
  attachPackages(bound, fs, root, users, packageOptionsOf(o));
  return { bound, fs, root, users };
}

/** `momentum-perms rules [--json]`: the effective rules with their origin. Exit 0; errors are thrown (2). */
export function runRules(o: CommonOptions, io: Io, env: CommandEnv = {}): number {
  const { bound } = bindFromOptions(o, env);
  const info = bound.packages?.info;
  if (o.json) io.out(jsonText({ ...(rulesJson(bound) as object), packages: info ?? null }, 2) + '\n');
  else io.out(rulesText(bound, io.color) + (info ? '\n' + packageInfoText(info, io.color) : ''));
  return EXIT.ok;
}
