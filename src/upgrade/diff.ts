/**
 * The upgrade diff for one entry: how it relates to the snapshot (`since`), and the target a fix should
 * aim at once the snapshot is taken into account. Pure: the snapshot and the rules' check are inputs.
 *
 * - `new`: the snapshot covered the place and has no such path.
 * - `changed-by-upgrade`: type, owner, group or mode differ from the snapshot (ids of a re-created account
 *   compared after carrying the old id over).
 * - `preexisting`: as the snapshot recorded it.
 * - none: the snapshot did not look there (a spool left out of it).
 *
 * Target: where the upgrade changed an entry and the snapshot's values satisfy the rules, those values
 * (a local choice the rules allow comes back); elsewhere the rules decide. Ids of a re-created account are
 * carried over in every tree, spool included, again only where the rules allow the result.
 */
import type { Check, Entry, Since, Target, Verdict } from '../types.js';
import type { SnapshotIndex } from '../snapshot/snapshot-index.js';
import { moveId, type IdMove } from './accounts.js';

/** Findings that mean "these values are not allowed here". */
const DISALLOWED: ReadonlySet<Check> = new Set<Check>(['owner', 'group', 'mode', 'setid', 'world-writable', 'orphan']);

export interface DiffContext {
  snap: SnapshotIndex;
  uid: IdMove | null;
  gid: IdMove | null;
  /** The rules' own check (pure): asked whether other values would be allowed for an entry. */
  check: (entry: Entry, parent: string) => Verdict;
  /**
   * Restore only what takes access away (see `guarded`): the service account's ids are never given back,
   * and a mode only where it is no looser than the rules' target or the entry's. Set for a snapshot that may
   * be older than changes made since (the baseline): a file the administrator took back from the service
   * account after the baseline was taken must not be handed to it again.
   */
  guard?: { uid: number; gid: number } | null;
}

/** The snapshot's values, with what would give the service account more than it has now taken out. */
function guarded(before: Target, base: Target | Entry, svc: { uid: number; gid: number }): Target {
  const uid = before.uid === svc.uid && base.uid !== svc.uid ? base.uid : before.uid;
  const gid = before.gid === svc.gid && base.gid !== svc.gid ? base.gid : before.gid;
  const mode = (before.mode & ~base.mode & 0o7777) === 0 ? before.mode : base.mode & 0o7777;
  return { uid, gid, mode };
}

/** What the diff decided besides the verdict; one object reused for every entry (no allocation per entry). */
export interface DiffNotes {
  since: Since | undefined;
  /** The snapshot's values (ids carried over), when the upgrade changed the entry. */
  before: Target | null;
  /** The target was set to the snapshot's values. */
  restored: boolean;
  /** The target carries a re-created account's old id over to the new one. */
  remapped: boolean;
}

export function newNotes(): DiffNotes {
  return { since: undefined, before: null, restored: false, remapped: false };
}

/** True when the rules raise no owner/group/mode/setid/world-writable/orphan finding for `t` on `e`. */
export function allowed(ctx: DiffContext, e: Entry, t: Target, parent: string): boolean {
  const v = ctx.check({ ...e, uid: t.uid, gid: t.gid, mode: t.mode }, parent);
  return !v.findings.some((f) => DISALLOWED.has(f.check));
}

function same(e: Entry | Target, t: Target): boolean {
  return e.uid === t.uid && e.gid === t.gid && (e.mode & 0o7777) === (t.mode & 0o7777);
}

/** Classify against the snapshot; sets notes.since and notes.before. */
function classify(ctx: DiffContext, e: Entry, parent: string, notes: DiffNotes): void {
  const snap = ctx.snap;
  if (!snap.covers(e.path, parent)) {
    notes.since = 'unrecorded';
    return;
  }
  const slot = snap.lookup(e.path);
  if (slot < 0) {
    notes.since = 'new';
    return;
  }
  const uid = moveId(snap.uidAt(slot), ctx.uid);
  const gid = moveId(snap.gidAt(slot), ctx.gid);
  const mode = snap.modeAt(slot);
  const sameType = snap.typeAt(slot) === e.type;
  if (sameType && e.uid === uid && e.gid === gid && e.mode === mode) {
    notes.since = 'preexisting';
    return;
  }
  notes.since = 'changed-by-upgrade';
  // A directory's mode means nothing on the file that replaced it: only same-type values come back.
  if (sameType) notes.before = { uid, gid, mode };
}

/**
 * The diff of one verdict. Returns the verdict itself when nothing changes (the usual case, no
 * allocation), else a new verdict whose findings carry `since` and whose target may differ.
 * `notes` is overwritten with what was decided.
 */
export function diffVerdict(v: Verdict, parent: string, ctx: DiffContext, notes: DiffNotes): Verdict {
  notes.since = undefined;
  notes.before = null;
  notes.restored = false;
  notes.remapped = false;
  const e = v.entry;
  classify(ctx, e, parent, notes);

  let target = v.target;
  if (notes.before !== null && ctx.guard) notes.before = guarded(notes.before, v.target ?? e, ctx.guard);
  if (notes.before !== null && allowed(ctx, e, notes.before, parent)) {
    target = notes.before;
    notes.restored = true;
  }
  if (!notes.restored && (ctx.uid !== null || ctx.gid !== null)) {
    const base = target ?? e;
    const moved: Target = { uid: moveId(base.uid, ctx.uid), gid: moveId(base.gid, ctx.gid), mode: base.mode & 0o7777 };
    if (!same(base, moved) && allowed(ctx, e, moved, parent)) {
      target = moved;
      notes.remapped = true;
    }
  }
  if (target !== null && same(e, target)) target = null;

  const since = notes.since;
  if (target === v.target && (since === undefined || v.findings.length === 0)) return v;
  const findings = since === undefined ? v.findings : v.findings.map((f) => ({ ...f, since }));
  return { ...v, findings, target };
}
