import type { ConfigPath, MomentumConfig } from '../config/types.js';
import type { Entry, EntryType, Verdict } from '../types.js';

/** Where a rule came from; later layers win. */
export type RuleOrigin = 'shipped' | 'local' | 'cli';

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
  /** Setuid/setgid bits are allowed on what this rule matches. */
  setidAllowed?: boolean;
  /** The path must exist (`missing` finding otherwise). Only for patterns without wildcards. */
  required?: boolean;
  reason: string;
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
  /** Rules files read, in layer order (Momentum paths). */
  files: { path: string; origin: RuleOrigin }[];
  trees: TreeDecl[];
  rules: Rule[];
}

/** The rules bound to one configuration and user database: what the audit walks and checks with. */
export interface BoundRules {
  rules: RuleSet;
  config: MomentumConfig;
  user: { name: string; id: number };
  group: { name: string; id: number };
  /** Declared trees that exist or not, in walk order, without duplicates or trees nested in others. */
  trees: TreeDecl[];
  /** Configuration-derived paths that lie outside every declared tree (each an `outside-tree` finding). */
  outside: ConfigPath[];
  /** Paths that must exist (rules with `required`), with the rule. */
  required: { path: string; rule: string }[];
  /**
   * The verdict on one entry. `parent` is the entry's directory (Momentum path): calls for the children
   * of one directory come together, so matching work is cached per directory (millions of spool files
   * share one answer).
   */
  check(entry: Entry, parent: string): Verdict;
}

export type { EntryType };
