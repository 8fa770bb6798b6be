/**
 * `momentum-perms snapshot`: record owner, group and mode of every entry of the Momentum trees, for
 * `audit --since` and `fix --since` after an upgrade. Only parses options, calls the API and prints.
 */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { MpError } from '../errors.js';
import { exitStatus } from '../exit.js';
import { renderView } from '../report/views.js';
import { apiOptions, rerunArgs, resolveSettings } from '../settings.js';
import { snapshot, stateSnapshotPath, type SnapshotOptions } from '../snapshot/index.js';
import { BASELINE_SNAPSHOT, PRE_UPGRADE_SNAPSHOT, snapshotAge } from '../upgrade/hook.js';
import { baselineHeldBackText } from '../report/notices.js';
import type { Io } from './io.js';
import { viewFormat, type CommonOptions } from './options.js';

export interface SnapshotCliOptions extends CommonOptions {
  out?: string;
  includeSpool?: boolean;
  baseline?: boolean;
}

/** Exit status: 0 written, 3 written but some places could not be read; errors throw MpError (2). */
export function runSnapshot(o: SnapshotCliOptions, io: Io): number {
  const s = resolveSettings(o);
  const opts: SnapshotOptions = { ...apiOptions(s) };
  if (o.baseline) {
    if (o.out !== undefined || o.includeSpool) throw new MpError('MP300', '--baseline is always STATE-DIR/snapshots/baseline.snap, without the spool');
    // After an upgrade whose post-upgrade step has not run, the trees hold the upgrade's resets: recorded as
    // the baseline, they would later be "restored" over the local choices the pending snapshot still holds.
    const pending = snapshotAge(s.root.dir, s.stateDir, PRE_UPGRADE_SNAPSHOT, new Date());
    if (pending !== undefined) {
      io.err(baselineHeldBackText(stateSnapshotPath(s.stateDir, PRE_UPGRADE_SNAPSHOT)));
      return exitStatus({ kind: 'held-back' });
    }
    opts.name = BASELINE_SNAPSHOT;
  }
  if (o.out !== undefined) opts.out = o.out;
  if (o.includeSpool) opts.includeSpool = true;
  const result = snapshot(opts);
  io.out(renderView('snapshot', viewFormat(o), { result, rerun: rerunArgs(s) }, io.color));
  return exitStatus({ kind: 'written', unreadable: result.unreadable.length });
}
