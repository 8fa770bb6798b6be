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
  if ((t.mode & S_ISUID) !== 0 && ((e.mode & S_ISUID) === 0 || t.uid !== e.uid)) strip |= S_ISUID;
  if ((t.mode & S_ISGID) !== 0 && ((e.mode & S_ISGID) === 0 || t.gid !== e.gid)) strip |= S_ISGID;
  return strip === 0 ? t : { uid: t.uid, gid: t.gid, mode: t.mode & ~strip };
}

/** Plan the fix of one verdict. Pure: no I/O, same answer for the same input. */
export function planVerdict(v: Verdict, opts: PlanOptions): PlanStep {
  const e = v.entry;
  if (v.target === null || !selected(v, opts.only)) return { kind: 'skip' };
  const target = withoutUngrantedSetid(e, v.target, v.setidAllowed);
  if (sameValues(e, target, e.type)) return { kind: 'skip' };
  // Outside every declared tree: `$user` can edit the configuration that named it (spoolbase = /etc).
  if (v.tree === null || !inTree(e.path, v.tree)) return refuse('outside-tree');
  // A link where a file or directory was expected: chown would be steered by whoever made the link.
  if (e.type === 'symlink' && !v.typeNamedByRule) return refuse('symlink');
  // FIFOs, sockets and devices are only changed where a rule names them (a planted /dev/sda look-alike).
  if (SPECIAL.has(e.type) && !v.typeNamedByRule) return refuse('special-file');
  // A second name for the inode: a link to /etc/shadow (or to a device node a rule names) planted in the
  // spool would be chowned to `$user`. Only directories cannot be hard-linked.
  if (e.type !== 'dir' && e.nlink > 1) return refuse('hardlinked');
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
