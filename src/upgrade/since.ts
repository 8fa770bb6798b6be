/**
 * `--since SNAPSHOT` for audit and fix: a step of the pipeline that relates each verdict to a snapshot.
 * See docs/admin.md, "What the upgrade changed: `--since`".
 */
import type { UserDb } from '../io/users.js';
import type { BoundRules } from '../rules/types.js';
import type { SnapshotHeader } from '../snapshot/format.js';
import type { SnapshotIndex } from '../snapshot/snapshot-index.js';
import type { EntryType, Finding, Since, Target, Verdict } from '../types.js';
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
  /** The user database to tell whether an old id is still someone's (default: the run's). */
  users?: UserDb;
  /** How many changed-but-compliant entries to keep for the report (default 1000; all are counted). */
  keep?: number;
  /** Restore only what takes access away from the service account (DiffContext.guard): for the baseline. */
  guarded?: boolean;
}

/**
 * `--since SNAPSHOT` as a step of the pipeline (src/pipeline.ts), between the compare and the sinks: each
 * walked entry's verdict goes through `verdict` (findings get their `since`, the target may come back from
 * the snapshot), each finding about a path never walked through `finding`. It keeps the tallies the reports
 * print afterwards.
 */
export interface SinceStep {
  /** The snapshot's header (when and of what it was taken). */
  readonly snapshot: SnapshotHeader;
  /** Bind the step to the run's rules and user database, before the first entry. */
  start(bound: BoundRules, users: UserDb): void;
  /**
   * The since-diff of one verdict (diffVerdict, pure), then `own`: findings the audit adds itself (an
   * outside-tree path's), appended as they are.
   */
  verdict(v: Verdict, parent: string, own?: readonly Finding[]): Verdict;
  /** A finding about a path never walked: a required path that is gone gets its `since`. */
  finding(f: Finding): Finding;
  /** One line per re-created or changed service account (empty when none, or before the run started). */
  notices(): string[];
  /** Entries the upgrade changed that still comply: the first `keep`, and how many in all. */
  changedCompliant(): { total: number; entries: ChangedEntry[] };
  counts(): SinceCounts;
}

/** What `--since` found, for the reports (the step without its pipeline half). */
export type SinceFindings = Pick<SinceStep, 'snapshot' | 'notices' | 'changedCompliant' | 'counts'>;

/**
 * The `--since` step against `snap`: every finding carries `since`, and every verdict's target takes the
 * snapshot into account (restore allowed local choices, carry a re-created account's ids over).
 */
export function sinceStep(snap: SnapshotIndex, o: SinceOptions = {}): SinceStep {
  const keep = o.keep ?? 1000;
  const notes = newNotes();
  const counts: SinceCounts = { findings: { 'changed-by-upgrade': 0, preexisting: 0, new: 0, unrecorded: 0 }, restored: 0, remapped: 0 };
  const changed: ChangedEntry[] = [];
  let changedTotal = 0;
  const owned = { uid: 0, gid: 0 };
  let accounts: AccountChanges | null = null;
  let ctx: DiffContext | null = null;
  let uidChanged = false;
  let gidChanged = false;

  const count = (findings: readonly Finding[]): void => {
    for (const f of findings) if (f.since !== undefined) counts.findings[f.since]++;
  };

  return {
    snapshot: snap.header,
    start(bound, users) {
      accounts = accountChanges(snap.header, bound, o.users ?? users);
      ctx = { snap, uid: accounts.uid, gid: accounts.gid, check: (e, p) => bound.check(e, p), guard: o.guarded ? { uid: bound.user.id, gid: bound.group.id } : null };
      uidChanged = snap.header.user.id !== bound.user.id;
      gidChanged = snap.header.group.id !== bound.group.id;
    },
    verdict(checked, parent, own = []) {
      if (ctx === null) throw new Error('the since step was not started');
      const d = diffVerdict(checked, parent, ctx, notes);
      const v = own.length === 0 ? d : { ...d, findings: [...d.findings, ...own] };
      const e = v.entry;
      if (uidChanged && e.uid === snap.header.user.id) owned.uid++;
      if (gidChanged && e.gid === snap.header.group.id) owned.gid++;
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
      count(v.findings);
      return v;
    },
    finding(f) {
      // A required path that is gone: the upgrade removed it when the snapshot had it.
      if (f.since === undefined && f.check === 'missing' && snap.covers(f.path, f.path)) {
        f = { ...f, since: snap.lookup(f.path) >= 0 ? 'changed-by-upgrade' : 'preexisting' };
      }
      count([f]);
      return f;
    },
    notices: () => (accounts === null ? [] : (accounts as AccountChanges).notices(owned)),
    changedCompliant: () => ({ total: changedTotal, entries: changed.slice() }),
    counts: () => ({ ...counts, findings: { ...counts.findings } }),
  };
}
