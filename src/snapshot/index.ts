/**
 * Snapshots as a library: take one (into the state directory or a named file) and load one for `--since`.
 * Paths given here are Momentum paths, resolved under `--root` like every path the tool reads or writes
 * (the same as `fix --journal`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError } from '../errors.js';
import type { InstallOptions } from '../audit/types.js';
import { bindInstall } from '../audit/bind.js';
import { closeDir, openChildDir, openDirUnder, openState, type OpenDir } from '../io/state.js';
import { DEFAULT_STATE_DIR } from '../settings.js';
import { openJudged, TRUST_HINT } from '../io/trust.js';
import { fdPath } from '../io/fd.js';
import { hostPath, makeRoot, realFs } from '../io/fs.js';
import { readSnapshot, readSnapshotFd } from './reader.js';
import type { SnapshotIndex } from './snapshot-index.js';
import { snapshotPlan, takeSnapshot, type SnapshotPlan, type TakeResult } from './take.js';

export { readSnapshot } from './reader.js';
export { SnapshotIndex, type SnapshotRecord } from './snapshot-index.js';
export { takeSnapshot, snapshotTrees, snapshotPlan, type SnapshotPlan, type TakeOptions, type TakeResult } from './take.js';
export type { SnapshotHeader, SnapshotTrailer } from './format.js';

/** Where snapshots go inside the state directory. */
export const SNAPSHOT_DIR = 'snapshots';

export interface SnapshotOptions extends InstallOptions {
  /** Momentum path of the file to write (default: STATE-DIR/snapshots/NAME). */
  out?: string;
  /** Momentum path of the state directory (default /var/lib/momentum-perms). */
  stateDir?: string;
  /** File name in STATE-DIR/snapshots/ when `out` is not given (default: the time, `2026-11-26T10-00-00Z.snap`). */
  name?: string;
  /** Record the spool trees too (large, and they churn constantly). */
  includeSpool?: boolean;
  /** The time recorded (default now). */
  now?: Date;
  /**
   * What to record, when the caller decided it without binding the configuration (the pre-upgrade hook
   * when the configuration does not parse). Default: the trees of the bound install.
   */
  plan?: SnapshotPlan;
}

export interface SnapshotResult extends TakeResult {
  /** Momentum path of the snapshot written. */
  path: string;
  root: string;
  user: { name: string; id: number };
  group: { name: string; id: number };
}

/** `2026-11-26T10-00-00Z.snap`: sortable, and no colon (which some tools read as host:path). */
export function snapshotName(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-') + '.snap';
}

/**
 * Take a snapshot of the install. Throws MpError: configuration and rules errors (MP1xx/MP2xx), MP303 when
 * the target directory is not root's alone, MP305 when the file cannot be written.
 */
export function snapshot(opts: SnapshotOptions = {}): SnapshotResult {
  const rfs = opts.fs ?? realFs;
  const root = makeRoot(opts.root);
  const plan = opts.plan ?? snapshotPlan(bindInstall(opts).bound, opts.includeSpool === true);
  const now = opts.now ?? new Date();
  let dir: OpenDir;
  let name: string;
  let closeState = (): void => {};
  if (opts.out !== undefined) {
    const m = path.posix.resolve('/', opts.out);
    // The directory is opened and verified once, then written through its descriptor: a directory that
    // someone other than root can write could have the snapshot swapped before the post-upgrade hook reads it.
    dir = openDirUnder(root, path.posix.dirname(m));
    name = path.posix.basename(m);
  } else {
    const state = openState(root, opts.stateDir ?? DEFAULT_STATE_DIR);
    closeState = () => state.close();
    try {
      dir = openChildDir(state.state, SNAPSHOT_DIR);
    } catch (e) {
      closeState();
      throw e;
    }
    name = opts.name ?? snapshotName(now);
  }
  try {
    const shown = path.posix.join(dir.path, name);
    const r = takeSnapshot({
      fs: rfs,
      root,
      plan,
      file: fdPath(dir.fd, name),
      display: shown,
      crossFilesystems: opts.crossFilesystems === true,
      now,
    });
    return { ...r, path: shown, file: shown, root: root.dir, user: plan.user, group: plan.group };
  } finally {
    closeDir(dir);
    closeState();
  }
}

/** The Momentum path of the snapshot STATE-DIR/snapshots/NAME. */
export function stateSnapshotPath(stateDir: string | undefined, name: string): string {
  return path.posix.join(path.posix.resolve('/', stateDir ?? DEFAULT_STATE_DIR), SNAPSHOT_DIR, name);
}

/**
 * Load a snapshot for `--since` (a Momentum path, under `root`). As root, the file and its directory must
 * be root's alone (MP302): a snapshot decides what a root fix restores. The check and the read happen on
 * one descriptor (openJudged): a snapshot swapped after it was checked is never what is read.
 */
export async function loadSnapshot(file: string, root?: string): Promise<SnapshotIndex> {
  const host = hostPath(makeRoot(root), path.posix.resolve('/', file));
  const missing = (): MpError => new MpError('MP302', `no snapshot at ${file}${root ? ` (under ${root})` : ''}`);
  if (process.geteuid?.() !== 0) {
    if (!fs.existsSync(host)) throw missing();
    return readSnapshot(host);
  }
  const j = openJudged(host);
  if (j.fd === null && (j.errno === 'ENOENT' || j.errno === 'ENOTDIR')) throw missing();
  if (j.why !== null) {
    if (j.fd !== null) fs.closeSync(j.fd);
    throw new MpError('MP302', `snapshot ${file} ${j.why}: not trusted for a root fix`, { notes: [TRUST_HINT] });
  }
  return readSnapshotFd(j.fd as number, host);
}
