/**
 * The package hooks, run by the package manager's triggers once per transaction:
 *
 * - `pre-upgrade` (before the transaction changes anything) takes one snapshot of the install to a well-known
 *   name in the state directory. A pending one (taken earlier in the same transaction, or before an upgrade
 *   whose post-upgrade step never ran) is never replaced: it is the one that still holds the local choices.
 * - `post-upgrade` (after it) fixes the transaction's files, their directories and the non-spool trees,
 *   restoring the local choices the rules allow from the pending snapshot, else from the baseline the
 *   periodic audit keeps, then sets the pending snapshot aside as last-upgrade.snap.
 * - `post-transaction` (after every transaction, erase-only ones included) sets aside a pre-upgrade snapshot
 *   that no post-upgrade step will consume because the transaction installed nothing.
 *
 * None ever blocks the package transaction unless asked (`strict`); every outcome is logged, and recorded in
 * the state directory and the node_exporter metrics, so that a hook that could not do its job is never silent.
 */
import * as fs from 'node:fs';
import { bindInstall } from '../audit/index.js';
import type { InstallOptions } from '../audit/types.js';
import { isMpError } from '../errors.js';
import { exitStatus } from '../exit.js';
import type { FixOptions, FixResult } from '../fix/run.js';
import { changedSomething } from '../fix/types.js';
import { fix as runFix } from '../pipeline.js';
import { fdPath } from '../io/fd.js';
import { closeDir, openChildDir, openState } from '../io/state.js';
import { DEFAULT_STATE_DIR } from '../settings.js';
import { hostPath, makeRoot } from '../io/fs.js';
import { loadSnapshot, snapshot, SNAPSHOT_DIR, stateSnapshotPath, type SnapshotPlan } from '../snapshot/index.js';
import type { SnapshotIndex } from '../snapshot/snapshot-index.js';
import { shippedPlan } from './fallback.js';
import type { HookLog } from './log.js';
import { hookStatus, recordHookStatus, UNREADABLE } from './status.js';
import { sinceStep, type SinceStep } from './since.js';

export type HookPhase = 'pre-upgrade' | 'post-upgrade' | 'post-transaction';
export const HOOK_PHASES: readonly HookPhase[] = ['pre-upgrade', 'post-upgrade', 'post-transaction'];

/** The snapshot pre-upgrade writes and post-upgrade reads, in STATE-DIR/snapshots/. */
export const PRE_UPGRADE_SNAPSHOT = 'pre-upgrade.snap';
/** Where post-upgrade moves it once used (for `audit --since` by a person). */
export const LAST_UPGRADE_SNAPSHOT = 'last-upgrade.snap';
/** Where post-transaction moves a pre-upgrade snapshot that no upgrade consumed (an erase-only transaction). */
export const UNUSED_SNAPSHOT = 'unused-pre-upgrade.snap';
/** The snapshot of the non-spool trees the periodic audit keeps fresh (`snapshot --baseline`). */
export const BASELINE_SNAPSHOT = 'baseline.snap';
/**
 * Written into the state directory by the tool's own package when it is upgraded (its %pre): rpm then runs
 * the old package's %transfiletriggerpostun (post-transaction) before the new one's %transfiletriggerin
 * (post-upgrade), and the pending snapshot must be left for the latter. Honoured for an hour.
 */
export const SELF_UPGRADE_MARK = 'self-upgrade';
const SELF_UPGRADE_MAX_AGE_MS = 3600 * 1000;
/** An older pre-upgrade snapshot is left from a transaction that never finished: not trusted to restore from. */
export const SNAPSHOT_MAX_AGE_MS = 24 * 3600 * 1000;

export interface HookOptions extends Omit<InstallOptions, 'scope'> {
  stateDir?: string;
  /** Exit with the job's status (or 2 on an error) instead of 0. */
  strict?: boolean;
  /**
   * The files the transaction touched (Momentum paths, as the package manager's trigger lists them). The
   * post-upgrade fix examines these in the spool trees, and the non-spool trees whole; absent: none.
   */
  files?: readonly string[];
  /** Where the hook's node_exporter metrics go (a Momentum path); null: none. Default: see textfileDir(). */
  textfileDir?: string | null;
  /** Test hook: the time the hook runs at. */
  now?: () => Date;
}

export interface HookOutcome {
  /** The exit status the command should return. */
  status: number;
  /** The job's own status, whatever `strict` says. */
  jobStatus: number;
  fix?: FixResult;
  snapshotPath?: string;
}

/**
 * The root a hook works on: `--root`, else `DPKG_ROOT`. dpkg exports it to maintainer scripts: empty
 * normally and when it chroots into `dpkg --root`, the root with `--force-script-chrootless` (dpkg(1)).
 * RPM runs scriptlets chrooted into `rpm --root` and needs nothing.
 */
export function hookRoot(root: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (root !== undefined) return root;
  const d = env['DPKG_ROOT'];
  return d === undefined || d === '' ? undefined : d;
}

/** Longest error text a hook line carries: a configuration value can be any length (logger(1) fails on E2BIG). */
const MAX_ERROR_TEXT = 2000;

export function describeError(e: unknown): string {
  const text = isMpError(e) ? `${e.code} ${e.message}${e.where ? ` (${e.where})` : ''}` : e instanceof Error ? e.message : String(e);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

/** A configuration error (MP1xx): the snapshot is still taken, of the trees the shipped rules declare. */
function isConfigError(e: unknown): boolean {
  return isMpError(e) && e.code.startsWith('MP1');
}

/**
 * The age of STATE/snapshots/NAME in milliseconds (from its modification time: the state directory is
 * root's alone, so nobody else can set it), or undefined when there is none. Read-only, never creates.
 */
export function snapshotAge(root: string | undefined, stateDir: string | undefined, name: string, now: Date): number | undefined {
  return fileAge(root, stateSnapshotPath(stateDir, name), now);
}

/** The age of a regular file (a Momentum path under root) from its modification time, or undefined. */
function fileAge(root: string | undefined, file: string, now: Date): number | undefined {
  const st = fs.lstatSync(hostPath(makeRoot(root), file), { throwIfNoEntry: false });
  return st === undefined || !st.isFile() ? undefined : now.getTime() - st.mtimeMs;
}

/** The time `ageMs` before `now`, to the second: `2026-11-29T20:43:39Z`. */
export function when(now: Date, ageMs: number): string {
  return new Date(now.getTime() - ageMs).toISOString().replace(/\.\d+Z$/, 'Z');
}

function pre(o: HookOptions, log: HookLog, now: Date): HookOutcome {
  const pendingAge = snapshotAge(o.root, o.stateDir, PRE_UPGRADE_SNAPSHOT, now);
  const pendingPath = stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT);
  if (pendingAge !== undefined && pendingAge <= SNAPSHOT_MAX_AGE_MS) {
    // Replacing it would lose the local choices: it was taken before an earlier package of this transaction
    // reset its files (dpkg runs each package's preinst after unpacking the one before), or before an
    // upgrade whose post-upgrade step could not run, and is the only record of what was there before.
    log.line('notice', `pre-upgrade: kept the pending snapshot ${pendingPath} of ${when(now, pendingAge)}: no post-upgrade step has used it yet`);
    return { status: 0, jobStatus: 0, snapshotPath: pendingPath };
  }
  if (pendingAge !== undefined) {
    log.line('warning', `pre-upgrade: replacing ${pendingPath} of ${when(now, pendingAge)}, older than 24 hours (its upgrade never finished)`);
  }
  const { strict: _s, now: _n, files: _f, textfileDir: _t, ...rest } = o;
  const base = { ...rest, name: PRE_UPGRADE_SNAPSHOT, now };
  let plan: SnapshotPlan | undefined;
  let r: ReturnType<typeof snapshot>;
  try {
    r = snapshot(base);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    // A configuration that does not parse must not cost the local choices: record the trees the shipped
    // rules declare, with the accounts unknown (the entries keep their numeric ids).
    log.line('warning', `pre-upgrade: ${describeError(e)}; recording the trees of the shipped rules instead`);
    plan = shippedPlan();
    r = snapshot({ ...base, plan });
  }
  const left = r.excluded.length > 0 ? `; left out: ${r.excluded.join(', ')}` : '';
  const who = plan === undefined ? ` (user ${r.user.name} ${r.user.id}, group ${r.group.name} ${r.group.id})` : ' (accounts unknown)';
  log.line('notice', `pre-upgrade: snapshot of ${r.entries} entries written to ${r.path}${who}${left}`);
  for (const u of r.unreadable.slice(0, 5)) log.line('warning', `pre-upgrade: could not read ${u.path}: ${u.errno}`);
  const status = exitStatus({ kind: 'written', unreadable: r.unreadable.length });
  return { status, jobStatus: status, snapshotPath: r.path };
}

/** A snapshot to restore from: the pending pre-upgrade one if fresh, else the baseline. Logs which, and why. */
async function restoreSource(o: HookOptions, log: HookLog, now: Date): Promise<{ snap: SnapshotIndex; pending: boolean } | undefined> {
  const pendingFile = stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT);
  const pendingAge = snapshotAge(o.root, o.stateDir, PRE_UPGRADE_SNAPSHOT, now);
  let why: string;
  if (pendingAge === undefined) why = `no ${pendingFile}`;
  else if (pendingAge > SNAPSHOT_MAX_AGE_MS) why = `${pendingFile} of ${when(now, pendingAge)} is too old to describe this upgrade`;
  else {
    try {
      return { snap: await loadSnapshot(pendingFile, o.root), pending: true };
    } catch (e) {
      why = describeError(e);
    }
  }
  const baselineFile = stateSnapshotPath(o.stateDir, BASELINE_SNAPSHOT);
  const baselineAge = snapshotAge(o.root, o.stateDir, BASELINE_SNAPSHOT, now);
  const usedSince = lastUse(o, now);
  if (baselineAge === undefined) {
    why += ` and no baseline ${baselineFile}`;
  } else if (usedSince !== undefined && now.getTime() - baselineAge <= usedSince) {
    // A baseline older than the last post-upgrade step describes a state that step already moved past: the
    // second package's postinst of one dpkg run, or a plain `dpkg -i` after an upgrade, would otherwise undo
    // what was fixed (or taken back from the service account) since the baseline was taken.
    why += ` and the baseline ${baselineFile} of ${when(now, baselineAge)} is older than the last post-upgrade step`;
  } else {
    try {
      const snap = await loadSnapshot(baselineFile, o.root);
      log.line('warning', `post-upgrade: ${why}; restoring local choices from the baseline ${baselineFile} of ${when(now, baselineAge)} (only those that take access away)`);
      return { snap, pending: false };
    } catch (e) {
      why += `; baseline: ${describeError(e)}`;
    }
  }
  log.line('warning', `post-upgrade: ${why}; fixing by the rules alone`);
  return undefined;
}

/** Whether the Security user or group has other ids now than the snapshot recorded (a re-created account). */
function accountsMoved(snap: SnapshotIndex, o: HookOptions): boolean {
  const h = snap.header;
  if (h.user.id < 0) return false;
  const { bound } = bindInstall(o);
  // The same rule as the id moves (accounts.ts): only a re-created account of the same name counts, so the
  // names the service account writes into the configuration cannot make the hook walk the whole spool.
  const moved = (was: { name: string; id: number }, now: { name: string; id: number }): boolean =>
    was.name === now.name && !/^\d+$/.test(was.name) && was.id !== now.id;
  return moved(h.user, bound.user) || moved(h.group, bound.group);
}

/** When a post-upgrade step last finished (ms), from the status record or the snapshot it set aside. */
function lastUse(o: HookOptions, now: Date): number | undefined {
  const s = hookStatus(o);
  const recorded = s !== UNREADABLE ? s['post-upgrade']?.okMs : undefined;
  const age = snapshotAge(o.root, o.stateDir, LAST_UPGRADE_SNAPSHOT, now);
  const moved = age !== undefined ? now.getTime() - age : undefined;
  if (recorded === undefined) return moved;
  return moved === undefined ? recorded : Math.max(recorded, moved);
}

/** The age of STATE/NAME (a regular file), or undefined. Read-only. */
function stateFileAge(o: HookOptions, name: string, now: Date): number | undefined {
  return fileAge(o.root, `${o.stateDir ?? DEFAULT_STATE_DIR}/${name}`, now);
}

/** Remove STATE/NAME through the verified state directory; absent is fine. */
function removeStateFile(o: HookOptions, name: string): void {
  const state = openState(makeRoot(o.root), o.stateDir ?? DEFAULT_STATE_DIR);
  try {
    fs.unlinkSync(fdPath(state.state.fd, name));
  } catch {
    // not there: nothing to remove
  } finally {
    state.close();
  }
}

/** Rename STATE/snapshots/FROM to TO, through the verified state directory. */
function moveSnapshot(o: HookOptions, from: string, to: string): void {
  const state = openState(makeRoot(o.root), o.stateDir ?? DEFAULT_STATE_DIR);
  try {
    const d = openChildDir(state.state, SNAPSHOT_DIR);
    try {
      fs.renameSync(fdPath(d.fd, from), fdPath(d.fd, to));
    } finally {
      closeDir(d);
    }
  } finally {
    state.close();
  }
}

async function post(o: HookOptions, log: HookLog, now: Date): Promise<HookOutcome> {
  const source = await restoreSource(o, log, now);
  const { strict: _s, now: _n, files, textfileDir: _t, ...rest } = o;
  // Scoped: the spool holds what ecelerity wrote, never what a package laid down, and walking millions of
  // spool files would hold the package transaction for minutes. The periodic audit covers the rest.
  // A fix an error stops partway (its journal cannot be written) says what it changed, and how to put it back,
  // before the error's own line.
  const onStopped = (p: FixResult): void => {
    const t = p.summary;
    if (changedSomething(p)) log.line('warning', `post-upgrade: stopped by the error below, having fixed ${t.fixed}, refused ${t.refused}, failed ${t.failed}${undoHint(o, p.journal)}`);
  };
  const fixOpts: FixOptions = { ...rest, onStopped };
  if (source !== undefined && accountsMoved(source.snap, o)) {
    // Every spool file the old id owned is an orphan ecelerity can no longer read: the spool is examined whole.
    log.line('warning', 'post-upgrade: the service account has new ids since the snapshot: the whole spool is examined');
  } else {
    fixOpts.scope = { paths: files ?? [] };
  }
  // From the baseline, which may be older than changes made since, nothing is given back to the service
  // account (see DiffContext.guard); the pending snapshot of this transaction is restored from in full.
  const since: SinceStep | undefined = source !== undefined ? sinceStep(source.snap, { guarded: !source.pending }) : undefined;
  const fix = runFix(fixOpts, { since });
  for (const n of since?.notices() ?? []) log.line('warning', `post-upgrade: ${n}`);
  const s = fix.summary;
  const c = since?.counts();
  const restored = c ? ` (${c.restored} to the ${source?.pending === true ? 'pre-upgrade' : 'baseline'} values, ${c.remapped} to a re-created account's new id)` : '';
  const journal = undoHint(o, fix.journal);
  const listed = files !== undefined ? `; the transaction listed ${files.length} files` : '';
  const status = exitStatus({ kind: 'fix', result: fix });
  log.line(
    status === 0 ? 'notice' : 'warning',
    `post-upgrade: fixed ${s.fixed}${restored}, refused ${s.refused}, failed ${s.failed}, reported ${fix.reported}${listed}${journal}`,
  );
  removeStateFile(o, SELF_UPGRADE_MARK);
  if (source?.pending === true) {
    moveSnapshot(o, PRE_UPGRADE_SNAPSHOT, LAST_UPGRADE_SNAPSHOT);
    log.line('notice', `post-upgrade: the snapshot is kept as ${stateSnapshotPath(o.stateDir, LAST_UPGRADE_SNAPSHOT)} (momentum-perms audit --since it)`);
  }
  return { status, jobStatus: status, fix };
}

/** `; journal J, undo with: momentum-perms undo …` for a fix that wrote a journal, else nothing. */
function undoHint(o: HookOptions, journal: string | null): string {
  return journal !== null ? `; journal ${journal}, undo with: momentum-perms undo${o.root ? ` --root ${o.root}` : ''} ${journal}` : '';
}

function postTransaction(o: HookOptions, log: HookLog, now: Date): HookOutcome {
  const age = snapshotAge(o.root, o.stateDir, PRE_UPGRADE_SNAPSHOT, now);
  if (age === undefined) return { status: 0, jobStatus: 0 };
  const mark = stateFileAge(o, SELF_UPGRADE_MARK, now);
  // Honoured once, and only when written after the pending snapshot: rpm runs the snapshot's trigger before
  // any package's %pre, so a mark older than the snapshot is a leftover (a transaction that stopped after the
  // tool's %pre), and would keep a stale snapshot for a later upgrade to restore from.
  if (mark !== undefined && mark <= SELF_UPGRADE_MAX_AGE_MS && mark <= age) {
    removeStateFile(o, SELF_UPGRADE_MARK);
    log.line('notice', `post-transaction: the tool itself is upgraded in this transaction; ${stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT)} is left for the post-upgrade step that follows`);
    return { status: 0, jobStatus: 0 };
  }
  const failed = lastStatus(o, 'post-upgrade');
  // A post-upgrade step of this transaction that failed (the lock held, say) left the snapshot for a person
  // to run `hook post-upgrade` with: it is kept, and `audit` keeps saying so. A status that cannot be read
  // may hold such a failure: the snapshot is kept then too.
  if (failed === UNREADABLE || (failed !== undefined && failed.at >= now.getTime() - age - 1000)) {
    log.line('warning', `post-transaction: the post-upgrade step failed; ${stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT)} is kept: run momentum-perms hook post-upgrade`);
    return { status: 3, jobStatus: 3 };
  }
  moveSnapshot(o, PRE_UPGRADE_SNAPSHOT, UNUSED_SNAPSHOT);
  log.line('notice', `post-transaction: the transaction installed nothing under the trees; the pre-upgrade snapshot is set aside as ${stateSnapshotPath(o.stateDir, UNUSED_SNAPSHOT)}`);
  return { status: 0, jobStatus: 0 };
}

/** The last recorded failure of a phase (status 2 or 3), with its time in ms; UNREADABLE when unknown. */
function lastStatus(o: HookOptions, phase: HookPhase): { status: number; at: number } | undefined | typeof UNREADABLE {
  const s = hookStatus(o);
  if (s === UNREADABLE) return UNREADABLE;
  const p = s[phase];
  return p !== undefined && p.status >= 2 ? { status: p.status, at: p.at * 1000 } : undefined;
}

/**
 * Run a hook phase. Never throws: every failure is logged and recorded, and the status is 0 unless
 * `strict` (then the job's status, 2 for a configuration or usage error, 3 for anything else that went wrong).
 */
export async function runHookPhase(phase: HookPhase, o: HookOptions, log: HookLog): Promise<HookOutcome> {
  const now = (o.now ?? (() => new Date()))();
  let out: HookOutcome;
  let message = '';
  // Recorded before the work starts: a hook killed by the out-of-memory killer or a signal inside the
  // transaction leaves "did not finish" in the status and the metrics, not the previous run's success.
  recordHookStatus(o, phase, 3, now, 'started; did not finish', log);
  try {
    out = phase === 'pre-upgrade' ? pre(o, log, now) : phase === 'post-upgrade' ? await post(o, log, now) : postTransaction(o, log, now);
  } catch (e) {
    message = describeError(e);
    const next = phase === 'post-upgrade' ? '; run momentum-perms hook post-upgrade once it is fixed' : '';
    log.line('err', `${phase}: could not do its job: ${message}${next}${o.strict ? '' : ' (the package transaction goes on)'}`);
    const code = exitStatus({ kind: 'error', error: e });
    out = { status: code, jobStatus: code };
  }
  recordHookStatus(o, phase, out.jobStatus, now, message, log);
  return { ...out, status: o.strict ? out.jobStatus : 0 };
}
