import type { ConfigPath, MomentumConfig } from '../config/types.js';
import type { Entry, EntryType, Verdict } from '../types.js';
import type { Glob } from './glob.js';
import type { PackageLayer, PackageLayerInfo } from '../package/layer.js';

/**
 * Where a rule came from; later layers win. `package` rules are made from the rpm database (src/package/)
 * and apply after the shipped rules, before the local ones.
 */
export type RuleOrigin = 'shipped' | 'package' | 'local' | 'cli';

/** An owner or group as a rule writes it: `$user`/`$group` from the Security stanza, a name, or an id. */
export type IdSpec = { kind: 'var'; name: 'user' | 'group' } | { kind: 'name'; name: string } | { kind: 'id'; id: number };

/**
 * A mode expectation. `exact`: the permission bits are exactly `bits`; `max`: no bit outside `bits`;
 * `min`: every bit of `bits` set; `deny`: none of `bits` set. `on` limits it to directories or to
 * everything that is not a directory.
 */
export interface ModeConstraint {
  op: 'exact' | 'max' | 'min' | 'deny';
  bits: number;
  on: 'any' | 'file' | 'dir';
  /** When the bits come from a `$setting` of the configuration: its name and source. */
  from?: { setting: string; source: string };
  /**
   * The `$name` a rules file wrote instead of octal digits (before binding, `bits` is 0); binding reads the
   * setting from the configuration and fills `bits` and `from`.
   */
  setting?: string;
}

/** Where a rule was written, for errors found when binding (an unknown user, an unknown `$setting`). */
export interface RuleSource {
  file: string;
  line: number;
  /** The line as written, for the code frame. */
  text: string;
  /** 1-based column of each key's value (`owner`, `file.max`, …) and of the pattern (`pattern`). */
  columns: Record<string, number>;
}

/** One rule as loaded from a rules file (before binding to the configuration). */
export interface Rule {
  /** `file:line` of the rule: what findings cite. */
  id: string;
  origin: RuleOrigin;
  /** The pattern as written: an absolute glob, or `@kind` / `@kind/…` for configuration-derived paths. */
  pattern: string;
  type?: EntryType;
  owner?: IdSpec;
  group?: IdSpec;
  modes: ModeConstraint[];
  /** `setid=allow` (true) or `setid=deny` (false, a later layer taking an allowance back). */
  setidAllowed?: boolean;
  /** The path must exist (`missing` finding otherwise). Only for patterns without wildcards. */
  required?: boolean;
  reason: string;
  at?: RuleSource;
}

/** A tree the rules declare: walked by the audit, the only places a fix may change. */
export interface TreeDecl {
  path: string;
  /** `file:line` of the declaration. */
  id: string;
  origin: RuleOrigin;
  /** Spool-like trees are left out of snapshots unless asked (they are large and churn constantly). */
  spool: boolean;
}

export interface RuleSet {
  version: '3.x' | '4.x';
  /**
   * Rules files read, in layer order: `path` as rule ids cite it (`rules/4.x.rules`, a Momentum path for
   * the local file, the absolute path for `--rules`), `host` where it was read on this machine (the fixer
   * checks that only root can write it).
   */
  files: { path: string; origin: RuleOrigin; host?: string }[];
  /**
   * Why each file read from the real disk is not root's alone (null: it is), by host path, judged on the
   * descriptor it was read from (src/io/trust.ts openJudged).
   */
  untrusted?: Map<string, string | null>;
  trees: TreeDecl[];
  rules: Rule[];
}

/** The rules bound to one configuration and user database: what the audit walks and checks with. */
export interface BoundRules {
  rules: RuleSet;
  config: MomentumConfig;
  user: { name: string; id: number };
  group: { name: string; id: number };
  /**
   * Whether a root-controlled source agrees with the configuration's group: the group database makes it
   * the user's primary group or lists the user as a member, and it is not gid 0. When not, a fix never
   * gives a root file to that group on the configuration's word alone (see src/fix/plan.ts).
   */
  groupConfirmed?: boolean;
  /** Declared trees that exist or not, in walk order, without duplicates or trees nested in others. */
  trees: TreeDecl[];
  /**
   * Configuration-derived paths that lie outside every declared tree (each an `outside-tree` finding), and
   * those `refused` below: paths the configuration may not claim even inside a tree.
   */
  outside: ConfigPath[];
  /** Paths that must exist (rules with `required`), with the rule. */
  required: { path: string; rule: string }[];
  /** Every rule after `@kind` expansion, in the order they apply (what `rules` and `explain` print). */
  bound: BoundRule[];
  /**
   * Configuration-derived paths a `@kind` rule was not allowed to claim because they overlap a path that a
   * rule wants owned by root or lie above a declared tree. They are in `outside` too.
   */
  refused: { rule: string; configPath: ConfigPath; because: string }[];
  /**
   * The verdict on one entry. `parent` is the entry's directory (Momentum path): calls for the children
   * of one directory come together, so matching work is cached per directory (millions of spool files
   * share one answer).
   */
  check(entry: Entry, parent: string): Verdict;
  /**
   * The package layer (src/package/): whether it is present and why not, and when present the layer that
   * `check` consults. Absent until the package layer is attached.
   */
  packages?: { info: PackageLayerInfo; layer: PackageLayer | null };
}

export type { EntryType };

/** One rule as it applies after binding: `@kind` expanded to one configuration path, names resolved to ids. */
export interface BoundRule {
  rule: Rule;
  /** Position in the order rules apply (later wins). Expansions of one rule share its place. */
  index: number;
  /** The absolute glob this rule matches (for `@kind` rules: the configuration path plus the rest). */
  pattern: string;
  /** The configuration path a `@kind` rule was expanded from; null for a plain rule. */
  configPath: ConfigPath | null;
  /** Expected owner and group ids, null when the rule says nothing about them. */
  uid: number | null;
  gid: number | null;
  /** `ecuser (500)`: how findings show the expectation. */
  ownerText: string | null;
  groupText: string | null;
  /** The mode constraints with `$setting` bits resolved, general (`mode.`) before specific (`file.`/`dir.`). */
  modes: ModeConstraint[];
  /** Setuid/setgid allowed: `setid=allow`, or an exact or minimum mode that asks for those bits. */
  setidAllowed: boolean | undefined;
  /** The compiled pattern. */
  glob: Glob;
  /** The glob matches this Momentum path. */
  matches(path: string): boolean;
}
