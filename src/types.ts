/**
 * The plain data that flows through the pipeline (src/pipeline.ts runs it, in this order):
 *
 *   configuration → expectations (rules bound to the config)
 *   walk          → entries
 *   compare       → findings          (pure)
 *   since-diff    → findings related to a snapshot, targets restored from it   (pure, with --since)
 *   plan          → targets           (pure)
 *   apply         → outcomes
 *   report        → text / JSON / NDJSON / Prometheus
 *
 * Everything here is serialisable as it is; closed sets are string unions.
 */

/** Kinds of filesystem entry, from lstat (links are never followed). */
export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

export const ENTRY_TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block'];

/** One entry as the walk saw it. `path` is Momentum's path (never prefixed with --root). */
export interface Entry {
  path: string;
  type: EntryType;
  uid: number;
  gid: number;
  /** Permission bits including setuid/setgid/sticky: `st_mode & 0o7777`. */
  mode: number;
  dev: number;
  ino: number;
  nlink: number;
}

/** The closed set of checks a finding can be about. */
export type Check =
  | 'owner'
  | 'group'
  | 'mode'
  | 'type'
  | 'missing'
  | 'orphan'
  | 'setid'
  | 'world-writable'
  | 'outside-tree'
  | 'unowned'
  | 'packaging'
  | 'error';

export const CHECKS: readonly Check[] = [
  'owner',
  'group',
  'mode',
  'type',
  'missing',
  'orphan',
  'setid',
  'world-writable',
  'outside-tree',
  'unowned',
  'packaging',
  'error',
];

/**
 * How a finding relates to a snapshot taken before an upgrade (`--since`): the upgrade changed the entry,
 * it was already so, the entry is new since, or the snapshot did not record that place (the spool without
 * `--include-spool`, a directory it could not read).
 */
export type Since = 'changed-by-upgrade' | 'preexisting' | 'new' | 'unrecorded';

/** One thing that is not as the rules want it. */
export interface Finding {
  path: string;
  check: Check;
  /** Human-readable expectation, e.g. `ecuser (500)`, `at most 0640`; null where none applies. */
  expected: string | null;
  actual: string | null;
  /** The rule that asked for it, as `file:line`, or `builtin:<name>` for the checks that apply everywhere. */
  rule: string | null;
  message: string;
  since?: Since;
}

/** What a fix wants an entry to become. Ids and mode are complete values, not deltas. */
export interface Target {
  uid: number;
  gid: number;
  mode: number;
}

/** The closed set of per-entry fix outcomes. */
export type OutcomeKind = 'fixed' | 'unchanged' | 'refused' | 'failed';

/** Why a fix was refused. Each stops a named attack; see docs/security.md. */
export type RefusalReason =
  | 'hardlinked' // regular file with nlink > 1: a link to /etc/shadow planted in the spool
  | 'symlink' // a symlink where a file or directory was expected
  | 'changed-during-fix' // dev/ino/type differ from what the walk saw: swapped under us
  | 'other-filesystem' // crosses to another filesystem
  | 'unsafe-parent' // a parent writable by someone other than root and the target owner
  | 'setid-in-user-tree' // would grant setuid/setgid/sticky in a tree the service user can write
  | 'outside-tree' // not inside a tree that root-owned rules declare
  | 'special-file' // FIFO, socket or device not named by a rule
  | 'writable-content' // would make root's alone, in place, a file another account can write now (laundering)
  | 'config-unconfirmed' // a change to a root file that only the service-editable configuration asks for
  | 'hardlinks-unprotected' // would let another account read a file while fs.protected_hardlinks is off (a link outliving its other name)
  | 'journal-budget'; // the journal's share for the service account's own entries is spent (it chooses how many drift)

/** One sentence per refusal, for reports and docs/admin.md ("What is refused, and why"). */
export const REFUSAL_TEXT: Record<RefusalReason, string> = {
  hardlinked: 'an entry (not a directory) with more than one hard link: changing it would change every other name of the inode',
  symlink: 'a symbolic link where a file or directory was expected: the change would land on whatever it points to',
  'changed-during-fix': 'the entry is not the one the walk saw (another inode, type or values): something swapped it',
  'other-filesystem': 'the path crosses to another filesystem than its tree root',
  'unsafe-parent': 'its directory is writable by someone other than root and the new owner, who could swap the entry',
  'setid-in-user-tree': 'it would grant setuid, setgid or sticky where an account other than root can write (the entry, or a directory on the way)',
  'outside-tree': 'outside every tree the root-owned rules declare (paths from the configuration are not trusted)',
  'special-file': 'a FIFO, socket or device node that no rule names by its type',
  'config-unconfirmed':
    'only ecelerity.conf (the service account\'s to edit) asks for this change to a file root or another account owns: a path no plain rule names outside the spool trees, or a Security group the group database does not give the user; reported, never changed (name it in the local rules, or fix the group database)',
  'writable-content':
    'another account can write it now: made root\'s in place it would keep that account\'s content, and any descriptor or shared mapping it holds open; reinstall it from the package',
  'journal-budget':
    'the journal already holds its limit of the service account\'s own entries (it decides how many drift, and how long their names are): left for the next run, which goes on from here; root\'s files are still fixed in this one',
  'hardlinks-unprotected':
    'fs.protected_hardlinks is off and the change would let another account read this file: it may be a hard link whose other name its owner replaced, holding an old secret; check it and change it by hand, or set fs.protected_hardlinks=1',
};

export interface Outcome {
  path: string;

  outcome: OutcomeKind;
  before: Target | null;
  after: Target | null;
  reason?: RefusalReason;
  /** errno code (`EPERM`, …) for `failed`. */
  errno?: string;
  message: string;
  rule: string | null;
}

/** A user or group as the Security stanza names it, resolved to an id. */
export interface IdRef {
  name: string;
  id: number | null;
  /** `file:line` of the assignment, or `default`. */
  source: string;
}

/** Counts every report ends with. */
export interface Summary {
  examined: number;
  findings: number;
  errors: number;
  vanished: number;
}

/** Format an octal mode the way administrators write it: `0640`, `4755`. */
export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** `uid:gid 0644`, the way plans and reports show values. */
export function showTarget(t: Target): string {
  return `${t.uid}:${t.gid} ${octal(t.mode)}`;
}

/**
 * The audit's verdict on one entry: what is wrong with it and, for the fixable checks (owner, group, mode),
 * the values that would satisfy the rules. This is the contract between the audit and the fixer.
 */
export interface Verdict {
  entry: Entry;
  findings: Finding[];
  /** Values that satisfy the owner/group/mode rules; null when those already comply. */
  target: Target | null;
  /** `file:line` of the rule behind the target (the last one that set owner, group or mode). */
  rule: string | null;
  /** The declared tree the entry is in (Momentum path), or null (config-derived path outside every tree). */
  tree: string | null;
  /** True when a rule names this entry by its type (FIFO/socket/device nodes are only changed then). */
  typeNamedByRule: boolean;
  /** True when a rule allows setuid/setgid bits here. */
  setidAllowed: boolean;
  /**
   * The target's owner or group (where it changes) is asked for by `@kind` rules alone, that is by a path
   * the configuration names and no plain rule does. Absent means false.
   */
  claimedByConfig?: boolean;
}
