/**
 * The pure half of the fixer: one verdict in, one planned change or refusal out. Everything decided here
 * needs only what the walk saw; what needs the disk as it is now (parents, the inode behind the name) is
 * decided again by apply, on descriptors it holds.
 */
import type { Entry, Target, Verdict } from '../types.js';
import { inTree, REFUSAL_TEXT, sameValues } from './safety.js';
import { S_ISGID, S_ISUID, type PlanStep } from './types.js';

export interface PlanOptions {
  /** `--only`: rule ids (`file:line`) or Momentum path prefixes; empty means everything. */
  only: readonly string[];
  /** Trees the root-owned rules declare `spool`: the service account's by the rules' own word. */
  serviceTrees?: ReadonlySet<string>;
  /** The configuration's group id when the group database does not confirm it (BoundRules.groupConfirmed). */
  unconfirmedGid?: number | null;
}

/**
 * Whether only the configuration asks for this change to a root file. Root's own files (owned by root before
 * or after) change on the configuration's word only where a root-controlled source agrees:
 * - the owner or group comes from `@kind` rules alone (`TLS_Key = /opt/msys/etc/some-root-file` claimed by
 *   `@private-key owner=$user`) and the entry is root's: refused unless the entry is in a tree the rules
 *   declare `spool` (the service's by the rules' word) — a plain rule naming it, in the local rules, agrees;
 * - the group is the configuration's `group`, which the group database does not confirm (`group = shadow`
 *   or `group = 0` on `/opt/msys/etc/credentials.db owner=root group=$group`).
 */
export function configUnconfirmed(v: Verdict, target: Target, opts: PlanOptions): boolean {
  const e = v.entry;
  // Not only root's files: `mainlog = /var/log/eccluster/other.log` (another account's) or `tls_key =` a file of
  // an orphaned uid (a tarball install) would otherwise be handed to the service account on the configuration's
  // word alone. A file the service account already owns may be re-grouped or re-moded as the rules say.
  const handedOver = e.uid === 0 || e.uid !== target.uid;
  if (v.claimedByConfig === true && handedOver && !(v.tree !== null && opts.serviceTrees?.has(v.tree) === true)) return true;
  const roots = e.uid === 0 || target.uid === 0;
  if (!roots) return false;
  const g = opts.unconfirmedGid;
  // Given to that group, or that group given more access (group = 0 on a root:root 0600 file asks for 0640).
  return g !== undefined && g !== null && target.gid === g && (e.gid !== g || (target.mode & 0o070 & ~e.mode) !== 0);
}

/** Normalise `--only` values once: paths lose a trailing slash, rule ids stay as written. */
export function normaliseOnly(only: readonly string[] | undefined): string[] {
  return (only ?? []).map((o) => (o.length > 1 && o.startsWith('/') ? o.replace(/\/+$/, '') || '/' : o));
}

/** Whether `--only` selects this verdict: its rule is named, or its path is at or below a named path. */
export function selected(v: Verdict, only: readonly string[]): boolean {
  if (only.length === 0) return true;
  for (const o of only) {
    if (o === v.rule) return true;
    if (o.startsWith('/') && inTree(v.entry.path, o)) return true;
  }
  return false;
}

const SPECIAL = new Set(['fifo', 'socket', 'char', 'block']);

/**
 * The target without the setuid/setgid bits it would grant where no rule allows them. The kernel clears
 * both bits on chown; putting them back after a chown to another owner or group is a new grant (an
 * ecuser-owned setuid file chowned to root would become setuid root), so only an allowing rule does it.
 */
export function withoutUngrantedSetid(e: Entry, t: Target, setidAllowed: boolean): Target {
  if (setidAllowed || e.type === 'symlink') return t;
  let strip = 0;
  // A setuid file given to another group that may run it is a new grant too: that group can now run it as
  // its owner (a package's `%attr(4750,root,ecuser)` with `group = "mailer"` in the configuration).
  if ((t.mode & S_ISUID) !== 0 && ((e.mode & S_ISUID) === 0 || t.uid !== e.uid || (t.gid !== e.gid && (t.mode & 0o010) !== 0))) strip |= S_ISUID;
  if ((t.mode & S_ISGID) !== 0 && ((e.mode & S_ISGID) === 0 || t.gid !== e.gid)) strip |= S_ISGID;
  return strip === 0 ? t : { uid: t.uid, gid: t.gid, mode: t.mode & ~strip };
}

/** Nothing to do: one object for every compliant entry of a spool. */
const SKIP: PlanStep = Object.freeze({ kind: 'skip' });

/** Plan the fix of one verdict. Pure: no I/O, same answer for the same input. */
export function planVerdict(v: Verdict, opts: PlanOptions): PlanStep {
  const e = v.entry;
  if (v.target === null || !selected(v, opts.only)) return SKIP;
  const target = withoutUngrantedSetid(e, v.target, v.setidAllowed);
  if (sameValues(e, target, e.type)) return SKIP;
  // Outside every declared tree: `$user` can edit the configuration that named it (spoolbase = /etc).
  if (v.tree === null || !inTree(e.path, v.tree)) return refuse('outside-tree');
  // A link where a file or directory was expected: chown would be steered by whoever made the link.
  if (e.type === 'symlink' && !v.typeNamedByRule) return refuse('symlink');
  // FIFOs, sockets and devices are only changed where a rule names them (a planted /dev/sda look-alike).
  if (SPECIAL.has(e.type) && !v.typeNamedByRule) return refuse('special-file');
  // A second name for the inode: a link to /etc/shadow (or to a device node a rule names) planted in the
  // spool would be chowned to `$user`. Only directories cannot be hard-linked.
  if (e.type !== 'dir' && e.nlink > 1) return refuse('hardlinked');
  // The service account edits the configuration: alone, it never decides a change to root's files.
  if (configUnconfirmed(v, target, opts)) return refuse('config-unconfirmed');
  return {
    kind: 'change',
    request: {
      path: e.path,
      tree: v.tree,
      dev: e.dev,
      ino: e.ino,
      type: e.type,
      target,
      rule: v.rule,
      expect: null,
    },
  };
}

function refuse(reason: keyof typeof REFUSAL_TEXT): PlanStep {
  return { kind: 'refused', reason, message: REFUSAL_TEXT[reason] };
}
