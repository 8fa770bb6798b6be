import type { FsLike } from '../io/fs.js';
import type { PackageOptions } from '../package/query.js';
import type { UserDb } from '../io/users.js';
import type { BoundRules } from '../rules/types.js';
import type { Finding, Summary, Verdict } from '../types.js';

/** What a scoped audit examines beside the non-spool trees (see AuditOptions.scope). */
export interface AuditScope {
  paths: readonly string[];
}

/** What the pipeline binds and walks: every command that looks at the install takes these. */
export interface InstallOptions {
  root?: string;
  configFile?: string;
  node?: string;
  /** `EC_CONF_SEARCH_PATH` (colon-separated), replacing the configuration search path; see ReadConfigOptions. */
  searchPath?: string;
  /** Extra rules file (`--rules`), layered last. */
  rulesFile?: string;
  /** The administrator's rules (default /etc/momentum-perms/local.rules, under root; absent is fine). */
  localRules?: string;
  ruleSet?: '3.x' | '4.x';
  /** The package layer: `{ rpm: false }` turns it off; `dbpath` names the rpm database under root. */
  packages?: PackageOptions;
  /** Descend into other filesystems below a tree (default false). */
  crossFilesystems?: boolean;
  /**
   * Examine part of the install only (the post-upgrade hook): every tree the rules do not mark as a spool
   * is walked whole; in a spool tree only `paths` (Momentum paths, such as the files a package transaction
   * touched) and the directories between them and the tree's root are examined. Absent: everything.
   */
  scope?: AuditScope;
  /** Injected for tests (memfs); default the real disk and the system's user database. */
  fs?: FsLike;
  users?: UserDb;
}

/** The published audit(): the install's options, and callbacks the results stream to. */
export interface AuditOptions extends InstallOptions {
  /** Called once the configuration and rules are bound, before the first entry is walked. */
  onStart?: (bound: BoundRules) => void;
  /** Every finding, streamed as found (a walked entry's, then its verdict); nothing holds every finding. */
  onFinding?: (f: Finding) => void;
  /** Every entry examined, with its verdict. */
  onVerdict?: (v: Verdict) => void;
}

export interface AuditResult {
  root: string;
  bound: BoundRules;
  summary: Summary;
  durationMs: number;
}
