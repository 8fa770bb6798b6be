/**
 * Settings, resolved once: the options a command was given and the environment it runs in, turned into one
 * readonly object with one documented default per field. Every command starts from it; nothing below the
 * commands applies a default of its own to what a person can set.
 *
 * Test hooks (an in-memory filesystem, a fixed user database) are not settings: they are a separate
 * argument, `TestHooks`, so that nothing a person can set reaches them.
 */
import { makeRoot, type FsLike, type Root } from './io/fs.js';
import type { UserDb } from './io/users.js';
import type { PackageOptions } from './package/query.js';
import { MpError } from './errors.js';

/** The administrator's rules file (a Momentum path): read after the shipped rules; absent is fine. */
export const LOCAL_RULES = '/etc/momentum-perms/local.rules';

/** The state directory (a Momentum path): journals, snapshots, the lock, the hook status. */
export const DEFAULT_STATE_DIR = '/var/lib/momentum-perms';

/** What a person can set: the command-line options every command shares. All optional. */
export interface SettingsOptions {
  /** `--root DIR`: DIR stands for `/` for every path read or changed. */
  root?: string;
  /** `--config FILE`: the ecelerity.conf to read (a Momentum path). */
  config?: string;
  /** `--node NAME`: the node name for `{NODENAME}` in the 4.x search path. */
  node?: string;
  /** `--rules FILE`: an extra rules file, layered last. */
  rules?: string;
  /** `--local-rules FILE`: the administrator's rules. */
  localRules?: string;
  /** `--rule-set 3.x|4.x`: override the rule set chosen from the install. */
  ruleSet?: string;
  /** `--state-dir DIR`: journals, snapshots, the lock. */
  stateDir?: string;
  /** `--cross-filesystems`: descend into other filesystems below a tree. */
  crossFilesystems?: boolean;
  /** `--no-packages` sets false: no package layer. */
  packages?: boolean;
  /** `--rpm-dbpath DIR`: the rpm database under --root. */
  rpmDbpath?: string;
}

/** The settings every command runs with. */
export interface Settings {
  /** The directory that stands for `/`. Default `/` (`--root`). */
  readonly root: Root;
  /** The ecelerity.conf to read. Default undefined: CONFFILE= in etc/environment, else the search path (`--config`). */
  readonly configFile: string | undefined;
  /** The node name for `{NODENAME}`. Default undefined: the host name (`--node`). */
  readonly node: string | undefined;
  /**
   * The configuration search path, `EC_CONF_SEARCH_PATH` from the tool's own environment (colon-separated;
   * empty counts as unset). Default undefined: the one in etc/environment, else Momentum's built-in path.
   */
  readonly searchPath: string | undefined;
  /** The rule set. Default undefined: the one the install's configuration calls for (`--rule-set`). */
  readonly ruleSet: '3.x' | '4.x' | undefined;
  /** The administrator's rules file, a Momentum path. Default LOCAL_RULES (`--local-rules`). */
  readonly localRules: string;
  /** An extra rules file, layered last. Default undefined: none (`--rules`). */
  readonly rulesFile: string | undefined;
  /** Descend into other filesystems below a tree. Default false (`--cross-filesystems`). */
  readonly crossFilesystems: boolean;
  /** The package layer. Default undefined: rpm where it is found, its database where it is (`--no-packages`, `--rpm-dbpath`). */
  readonly packages: Readonly<PackageOptions> | undefined;
  /** The state directory, a Momentum path. Default DEFAULT_STATE_DIR (`--state-dir`). */
  readonly stateDir: string;
}

/** What tests put in place of the real disk and the system's user database. Never set from the command line. */
export interface TestHooks {
  fs?: FsLike;
  users?: UserDb;
}

/** Resolve the options and the environment into settings. Throws MpError MP300 for a rule set that does not exist. */
export function resolveSettings(o: SettingsOptions = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Settings> {
  if (o.ruleSet !== undefined && o.ruleSet !== '3.x' && o.ruleSet !== '4.x') {
    throw new MpError('MP300', `--rule-set must be 3.x or 4.x, not ${o.ruleSet}`);
  }
  const searchPath = env['EC_CONF_SEARCH_PATH'];
  let packages: PackageOptions | undefined;
  if (o.packages === false) packages = { rpm: false };
  else if (o.rpmDbpath !== undefined) packages = { dbpath: o.rpmDbpath };
  return Object.freeze({
    root: Object.freeze(makeRoot(o.root)),
    configFile: o.config,
    node: o.node,
    searchPath: searchPath === undefined || searchPath === '' ? undefined : searchPath,
    ruleSet: o.ruleSet,
    localRules: o.localRules ?? LOCAL_RULES,
    rulesFile: o.rules,
    crossFilesystems: o.crossFilesystems === true,
    packages: packages === undefined ? undefined : Object.freeze(packages),
    stateDir: o.stateDir ?? DEFAULT_STATE_DIR,
  });
}

/** The options of the library's audit, fix, snapshot and hook calls that settings (and test hooks) stand for. */
export interface ApiOptions {
  root: string;
  configFile?: string;
  node?: string;
  searchPath?: string;
  rulesFile?: string;
  localRules: string;
  ruleSet?: '3.x' | '4.x';
  packages?: PackageOptions;
  crossFilesystems: boolean;
  stateDir: string;
  fs?: FsLike;
  users?: UserDb;
}

/** Settings as the library's option object (each call takes the fields it knows). */
export function apiOptions(s: Settings, hooks: TestHooks = {}): ApiOptions {
  return {
    root: s.root.dir,
    ...(s.configFile !== undefined ? { configFile: s.configFile } : {}),
    ...(s.node !== undefined ? { node: s.node } : {}),
    ...(s.searchPath !== undefined ? { searchPath: s.searchPath } : {}),
    ...(s.rulesFile !== undefined ? { rulesFile: s.rulesFile } : {}),
    localRules: s.localRules,
    ...(s.ruleSet !== undefined ? { ruleSet: s.ruleSet } : {}),
    ...(s.packages !== undefined ? { packages: { ...s.packages } } : {}),
    crossFilesystems: s.crossFilesystems,
    stateDir: s.stateDir,
    ...(hooks.fs !== undefined ? { fs: hooks.fs } : {}),
    ...(hooks.users !== undefined ? { users: hooks.users } : {}),
  };
}

/** The options a follow-up command needs to look at the same install (the report's "Next:" lines). */
export function rerunArgs(s: Settings): string[] {
  const a: string[] = [];
  if (s.root.dir !== '/') a.push('--root', s.root.dir);
  if (s.configFile !== undefined) a.push('--config', s.configFile);
  if (s.node !== undefined) a.push('--node', s.node);
  if (s.localRules !== LOCAL_RULES) a.push('--local-rules', s.localRules);
  if (s.rulesFile !== undefined) a.push('--rules', s.rulesFile);
  if (s.ruleSet !== undefined) a.push('--rule-set', s.ruleSet);
  if (s.packages?.rpm === false) a.push('--no-packages');
  if (s.packages?.dbpath !== undefined) a.push('--rpm-dbpath', s.packages.dbpath);
  return a;
}
