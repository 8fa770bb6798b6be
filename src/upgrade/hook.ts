/**
 * The package hooks: `pre-upgrade` takes a snapshot to a well-known name in the state directory,
 * `post-upgrade` runs fix against it (restoring the local choices the rules allow, fixing the drift the
 * upgrade brought), logs one line, and sets the snapshot aside as last-upgrade.snap for a person to
 * `audit --since` later. Neither ever blocks the package transaction unless asked (`strict`).
 */
import * as fs from 'node:fs';
import { audit } from '../audit/index.js';
import type { AuditOptions } from '../audit/types.js';
import { isMpError } from '../errors.js';
import { fixWith, type FixOptions, type FixResult } from '../fix/run.js';
import { closeDir, openChildDir, openState } from '../fix/state.js';
import { DEFAULT_STATE_DIR } from '../fix/types.js';
import { makeRoot } from '../io/fs.js';
import { loadSnapshot, snapshot, SNAPSHOT_DIR, stateSnapshotPath } from '../snapshot/index.js';
import type { SnapshotIndex } from '../snapshot/snapshot-index.js';
import type { HookLog } from './log.js';
import { sinceAudit, type SinceAudit } from './since.js';

export type HookPhase = 'pre-upgrade' | 'post-upgrade';
export const HOOK_PHASES: readonly HookPhase[] = ['pre-upgrade', 'post-upgrade'];

/** The snapshot pre-upgrade writes and post-upgrade reads, in STATE-DIR/snapshots/. */
export const PRE_UPGRADE_SNAPSHOT = 'pre-upgrade.snap';
/** Where post-upgrade moves it once used (for `audit --since` by a person). */
export const LAST_UPGRADE_SNAPSHOT = 'last-upgrade.snap';
/** An older pre-upgrade snapshot is left from a transaction that never finished: not trusted to restore from. */
export const SNAPSHOT_MAX_AGE_MS = 24 * 3600 * 1000;

export interface HookOptions extends Omit<AuditOptions, 'onStart' | 'onFinding' | 'onVerdict'> {
  stateDir?: string;
  /** Exit with the fix's status (or 2 on an error) instead of 0. */
  strict?: boolean;
  /** Test hooks. */
  now?: () => Date;
  auditFn?: (o: AuditOptions) => ReturnType<typeof audit>;
}

export interface HookOutcome {
  /** The exit status the command should return. */
  status: number;
  /** The fix's own status (post-upgrade) or the snapshot's (pre-upgrade), whatever `strict` says. */
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

/** fix's exit status contract (as `momentum-perms fix`): 3 failed or not examined, 1 drift remains, 0 compliant. */
export function fixStatus(r: FixResult): 0 | 1 | 3 {
  if (r.summary.failed > 0 || r.errors > 0) return 3;
  return r.summary.refused > 0 || r.reported > 0 || r.summary.planned > 0 ? 1 : 0;
}

function describeError(e: unknown): string {
  if (isMpError(e)) return `${e.code} ${e.message}${e.where ? ` (${e.where})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

function pre(o: HookOptions, log: HookLog): HookOutcome {
  const { strict: _s, now, auditFn: _a, ...rest } = o;
  const r = snapshot({ ...rest, name: PRE_UPGRADE_SNAPSHOT, ...(now ? { now: now() } : {}) });
  const left = r.excluded.length > 0 ? `; left out: ${r.excluded.join(', ')}` : '';
  log.line('notice', `pre-upgrade: snapshot of ${r.entries} entries written to ${r.path} (user ${r.user.name} ${r.user.id}, group ${r.group.name} ${r.group.id})${left}`);
  for (const u of r.unreadable.slice(0, 5)) log.line('warning', `pre-upgrade: could not read ${u.path}: ${u.errno}`);
  const status = r.unreadable.length > 0 ? 3 : 0;
  return { status, jobStatus: status, snapshotPath: r.path };
}

/** The pre-upgrade snapshot if there is a fresh one; logs why not otherwise. */
async function usableSnapshot(o: HookOptions, log: HookLog, now: Date): Promise<SnapshotIndex | undefined> {
  const file = stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT);
  try {
    const snap = await loadSnapshot(file, o.root);
    const age = now.getTime() - Date.parse(snap.header.created);
    if (!(age <= SNAPSHOT_MAX_AGE_MS)) {
      log.line('warning', `post-upgrade: ${file} is from ${snap.header.created}, too old to describe this upgrade; fixing by the rules alone`);
      return undefined;
    }
    return snap;
  } catch (e) {
    const missing = isMpError(e) && e.message.startsWith('no snapshot at');
    log.line(missing ? 'notice' : 'warning', `post-upgrade: ${missing ? `no ${file}` : describeError(e)}; fixing by the rules alone`);
    return undefined;
  }
}

/** Move the used snapshot aside, through the verified state directory. */
function retire(o: HookOptions): void {
  const state = openState(makeRoot(o.root), o.stateDir ?? DEFAULT_STATE_DIR);
  try {
    const d = openChildDir(state.state, SNAPSHOT_DIR);
    try {
      fs.renameSync(`/proc/self/fd/${d.fd}/${PRE_UPGRADE_SNAPSHOT}`, `/proc/self/fd/${d.fd}/${LAST_UPGRADE_SNAPSHOT}`);
    } finally {
      closeDir(d);
    }
  } finally {
    state.close();
  }
}

async function post(o: HookOptions, log: HookLog): Promise<HookOutcome> {
  const now = (o.now ?? (() => new Date()))();
  const snap = await usableSnapshot(o, log, now);
  const auditFn = o.auditFn ?? audit;
  const { strict: _s, now: _n, auditFn: _a, ...rest } = o;
  const fixOpts: FixOptions = { ...rest };
  let since: SinceAudit | undefined;
  const fix = snap !== undefined ? fixWith((since = sinceAudit(auditFn, snap)).audit, fixOpts) : fixWith(auditFn, fixOpts);
  for (const n of since?.notices() ?? []) log.line('warning', `post-upgrade: ${n}`);
  const s = fix.summary;
  const c = since?.counts();
  const restored = c ? ` (${c.restored} to the pre-upgrade values, ${c.remapped} to a re-created account's new id)` : '';
  const journal = fix.journal !== null ? `; journal ${fix.journal}, undo with: momentum-perms undo${o.root ? ` --root ${o.root}` : ''} ${fix.journal}` : '';
  const status = fixStatus(fix);
  log.line(
    status === 0 ? 'notice' : 'warning',
    `post-upgrade: fixed ${s.fixed}${restored}, refused ${s.refused}, failed ${s.failed}, reported ${fix.reported}${journal}`,
  );
  if (snap !== undefined) {
    retire(o);
    log.line('notice', `post-upgrade: the snapshot is kept as ${stateSnapshotPath(o.stateDir, LAST_UPGRADE_SNAPSHOT)} (momentum-perms audit --since it)`);
  }
  return { status, jobStatus: status, fix };
}

/**
 * Run a hook phase. Never throws: every failure is logged, and the status is 0 unless `strict` (then the
 * job's status, 2 for a configuration or usage error, 3 for anything else that went wrong).
 */
export async function runHookPhase(phase: HookPhase, o: HookOptions, log: HookLog): Promise<HookOutcome> {
  let out: HookOutcome;
  try {
    out = phase === 'pre-upgrade' ? pre(o, log) : await post(o, log);
  } catch (e) {
    log.line('err', `${phase}: ${describeError(e)}${o.strict ? '' : ' (the package transaction goes on)'}`);
    const code = isMpError(e) && (e.code === 'MP301' || e.code === 'MP305') ? 3 : isMpError(e) ? 2 : 3;
    out = { status: code, jobStatus: code };
  }
  return { ...out, status: o.strict ? out.jobStatus : 0 };
}
