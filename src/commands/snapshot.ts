/**
 * `momentum-perms snapshot`: record owner, group and mode of every entry of the Momentum trees, for
 * `audit --since` and `fix --since` after an upgrade. Only parses options, calls the API and prints.
 */
import { MpError } from '../errors.js';
import { snapshot, stateSnapshotPath, type SnapshotOptions, type SnapshotResult } from '../snapshot/index.js';
import { BASELINE_SNAPSHOT, PRE_UPGRADE_SNAPSHOT, snapshotAge } from '../upgrade/hook.js';
import { shellWord } from '../report/next.js';
import { auditOptionsOf, rerunArgs } from './audit.js';
import { EXIT, type Io } from './io.js';
import type { CommonOptions } from './options.js';

export interface SnapshotCliOptions extends CommonOptions {
  out?: string;
  includeSpool?: boolean;
  baseline?: boolean;
}

function size(bytes: number): string {
  return bytes < 10_000 ? `${bytes} bytes` : bytes < 10_000_000 ? `${Math.round(bytes / 1000)} kB` : `${Math.round(bytes / 1_000_000)} MB`;
}

/** The text a person reads: what was recorded, what was left out, and the command to run after the upgrade. */
export function snapshotText(r: SnapshotResult, rerun: readonly string[]): string {
  const lines = [
    `Snapshot of ${r.entries} entries written to ${r.path} (${size(r.bytes)}, ${(r.durationMs / 1000).toFixed(1)} s).`,
    `Trees: ${r.trees.join(', ') || '(none)'}; user ${r.user.name} (${r.user.id}), group ${r.group.name} (${r.group.id}).`,
  ];
  if (r.excluded.length > 0) lines.push(`Left out: ${r.excluded.join(', ')} (add --include-spool to record the spool too).`);
  for (const u of r.unreadable) lines.push(`Could not read ${u.path}: ${u.errno} (not covered by this snapshot).`);
  const next = ['momentum-perms', 'audit', '--since', shellWord(r.path), ...rerun.map(shellWord)].join(' ');
  lines.push('', `Next: after the upgrade, see what it changed: ${next}`);
  return lines.join('\n') + '\n';
}

/** Exit status: 0 written, 3 written but some places could not be read; errors throw MpError (2). */
export function runSnapshot(o: SnapshotCliOptions, io: Io): number {
  const opts: SnapshotOptions = { ...auditOptionsOf(o) };
  if (o.baseline) {
    if (o.out !== undefined || o.includeSpool) throw new MpError('MP300', '--baseline is always STATE-DIR/snapshots/baseline.snap, without the spool');
    // After an upgrade whose post-upgrade step has not run, the trees hold the upgrade's resets: recorded as
    // the baseline, they would later be "restored" over the local choices the pending snapshot still holds.
    const pending = snapshotAge(o.root, o.stateDir, PRE_UPGRADE_SNAPSHOT, new Date());
    if (pending !== undefined) {
      io.err(
        `momentum-perms: the baseline is not refreshed: ${stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT)} is pending ` +
          '(an upgrade is under way, or its post-upgrade step did not run: momentum-perms hook post-upgrade)\n',
      );
      return EXIT.incomplete;
    }
    opts.name = BASELINE_SNAPSHOT;
  }
  if (o.out !== undefined) opts.out = o.out;
  if (o.stateDir !== undefined) opts.stateDir = o.stateDir;
  if (o.includeSpool) opts.includeSpool = true;
  const r = snapshot(opts);
  if (o.json) {
    const { file: _f, ...rest } = r;
    io.out(JSON.stringify(rest) + '\n');
  } else io.out(snapshotText(r, rerunArgs(o)));
  return r.unreadable.length > 0 ? EXIT.incomplete : EXIT.ok;
}
