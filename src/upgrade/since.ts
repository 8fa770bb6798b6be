/**
 * `--since SNAPSHOT` for audit and fix, as a wrapper around AuditOptions: the commands pass `session.opts`
 * to audit() (or to the fixer, which runs the audit) and read the notices and the changed-but-compliant
 * entries afterwards. See docs/admin.md, "What the upgrade changed: `--since`".
 */
import type { AuditOptions, AuditResult } from '../audit/types.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor, type UserDb } from '../io/users.js';
import type { BoundRules } from '../rules/types.js';
import type { SnapshotHeader } from '../snapshot/format.js';
import type { SnapshotIndex } from '../snapshot/snapshot-index.js';
import type { Entry, EntryType, Finding, Since, Target, Verdict } from '../types.js';
import { accountChanges, type AccountChanges } from './accounts.js';
import { diffVerdict, newNotes, type DiffContext } from './diff.js';

/** An entry the upgrade changed that complies all the same. */
export interface ChangedEntry {
  path: string;
  type: EntryType;
  /** As the snapshot recorded it. */
  before: Target;
  /** As it is now. */
  now: Target;
  /** fix puts the snapshot's values back (the rules allow them). */
  restore: boolean;
}

export interface SinceCounts {
  /** Findings by how they relate to the snapshot (findings outside what it covered are not counted). */
  findings: Record<Since, number>;
  /** Entries whose target is the snapshot's values: local choices that fix brings back. */
  restored: number;
  /** Entries whose target carries a re-created account's old id to the new one. */
  remapped: number;
}

export interface SinceOptions {
  /** The user database to tell whether an old id is still someone's (default: the audit's). */
  users?: UserDb;
  /** How many changed-but-compliant entries to keep for the report (default 1000; all are counted). */
  keep?: number;
  /** Restore only what takes access away from the service account (DiffContext.guard): for the baseline. */
  guarded?: boolean;
}

export interface SinceSession {
  /** The options to run the audit (or the fixer) with. */
  readonly opts: AuditOptions;
  /** The snapshot's header (when and of what it was taken). */
  readonly snapshot: SnapshotHeader;
  /** One line per re-created or changed service account (empty when none, or before the audit started). */
  notices(): string[];
  /** Entries the upgrade changed that still comply: the first `keep`, and how many in all. */
  changedCompliant(): { total: number; entries: ChangedEntry[] };
  counts(): SinceCounts;
}

function defaultUsers(opts: AuditOptions): UserDb {
  return opts.users ?? userDbFor(opts.fs ?? realFs, makeRoot(opts.root));
}

/**
 * Wrap audit options so that every finding carries `since` (against `snap`) and every verdict's target
 * takes the snapshot into account (restore allowed local choices, carry a re-created account's ids over).
 * The callbacks given in `opts` still receive everything, already annotated.
 */
export function withSince(opts: AuditOptions, snap: SnapshotIndex, o: SinceOptions = {}): SinceSession {
  const keep = o.keep ?? 1000;
  const notes = newNotes();
  const counts: SinceCounts = { findings: { 'changed-by-upgrade': 0, preexisting: 0, new: 0, unrecorded: 0 }, restored: 0, remapped: 0 };
  const changed: ChangedEntry[] = [];
  let changedTotal = 0;
  const owned = { uid: 0, gid: 0 };
  let accounts: AccountChanges | null = null;
  let uidChanged = false;
  let gidChanged = false;
  /** The entry the notes describe: the verdict passed on next is about it (identity survives copies). */
  let notedEntry: Entry | null = null;

  const onStart = (bound: BoundRules): void => {
    const check = bound.check.bind(bound);
    accounts = accountChanges(snap.header, bound, o.users ?? defaultUsers(opts));
    const c: DiffContext = { snap, uid: accounts.uid, gid: accounts.gid, check, guard: o.guarded ? { uid: bound.user.id, gid: bound.group.id } : null };
    uidChanged = snap.header.user.id !== bound.user.id;
    gidChanged = snap.header.group.id !== bound.group.id;
    // Every verdict passes through check(). Diffing there annotates findings before the audit emits them
    // and sets the target before the fixer plans, whatever order the audit calls its callbacks in.
    bound.check = (entry: Entry, parent: string): Verdict => {
      const v = diffVerdict(check(entry, parent), parent, c, notes);
      notedEntry = entry;
      return v;
    };
    opts.onStart?.(bound);
  };

  const onFinding = (f: Finding): void => {
    // A required path that is gone: the upgrade removed it when the snapshot had it.
    if (f.since === undefined && f.check === 'missing' && snap.covers(f.path, f.path)) {
      f = { ...f, since: snap.lookup(f.path) >= 0 ? 'changed-by-upgrade' : 'preexisting' };
    }
    if (f.since !== undefined) counts.findings[f.since]++;
    opts.onFinding?.(f);
  };

  const onVerdict = (v: Verdict): void => {
    const e = v.entry;
    if (uidChanged && e.uid === snap.header.user.id) owned.uid++;
    if (gidChanged && e.gid === snap.header.group.id) owned.gid++;
    if (notedEntry === e) {
      if (notes.restored) counts.restored++;
      if (notes.remapped) counts.remapped++;
      if (notes.since === 'changed-by-upgrade' && v.findings.length === 0) {
        changedTotal++;
        const slot = snap.lookup(e.path);
        if (changed.length < keep && slot >= 0) {
          changed.push({
            path: e.path,
            type: e.type,
            before: { uid: snap.uidAt(slot), gid: snap.gidAt(slot), mode: snap.modeAt(slot) },
            now: { uid: e.uid, gid: e.gid, mode: e.mode },
            restore: notes.restored,
          });
        }
      }
    }
    opts.onVerdict?.(v);
  };

  return {
    opts: { ...opts, onStart, onFinding, onVerdict },
    snapshot: snap.header,
    notices: () => (accounts === null ? [] : (accounts as AccountChanges).notices(owned)),
    changedCompliant: () => ({ total: changedTotal, entries: changed.slice() }),
    counts: () => ({ ...counts, findings: { ...counts.findings } }),
  };
}

/** A wrapped audit function and what its last run found against the snapshot. */
export interface SinceAudit extends Omit<SinceSession, 'opts'> {
  audit: (opts: AuditOptions) => AuditResult;
}

/**
 * Wrap an audit function so that each run goes through withSince. For callers that build the audit's
 * callbacks themselves: `fixWith(sinceAudit(audit, snap).audit, opts)`.
 */
export function sinceAudit(audit: (opts: AuditOptions) => AuditResult, snap: SnapshotIndex, o: SinceOptions = {}): SinceAudit {
  let last: SinceSession | undefined;
  return {
    snapshot: snap.header,
    audit: (opts) => {
      last = withSince(opts, snap, o);
      return audit(last.opts);
    },
    notices: () => last?.notices() ?? [],
    changedCompliant: () => last?.changedCompliant() ?? { total: 0, entries: [] },
    counts: () => last?.counts() ?? { findings: { 'changed-by-upgrade': 0, preexisting: 0, new: 0, unrecorded: 0 }, restored: 0, remapped: 0 },
  };
}
