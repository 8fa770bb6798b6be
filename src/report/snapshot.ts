/** The text of `momentum-perms snapshot`: what was recorded, what was left out, and the command to run after the upgrade. */
import { shellWord } from '../printable.js';
import type { SnapshotResult } from '../snapshot/index.js';
import { line, text, type Shown } from './line.js';

function size(bytes: number): string {
  return bytes < 10_000 ? `${bytes} bytes` : bytes < 10_000_000 ? `${Math.round(bytes / 1000)} kB` : `${Math.round(bytes / 1_000_000)} MB`;
}

/** The text a person reads: what was recorded, what was left out, and the command to run after the upgrade. */
export function snapshotText(r: SnapshotResult, rerun: readonly string[]): string {
  // Paths come from the disk and the configuration: escaped by line(), so that none can forge a line or drive the terminal.
  const lines: Shown[] = [
    line`Snapshot of ${r.entries} entries written to ${r.path} (${size(r.bytes)}, ${(r.durationMs / 1000).toFixed(1)} s).`,
    line`Trees: ${r.trees.join(', ') || '(none)'}; user ${r.user.name} (${r.user.id}), group ${r.group.name} (${r.group.id}).`,
  ];
  if (r.excluded.length > 0) lines.push(line`Left out: ${r.excluded.join(', ')} (add --include-spool to record the spool too).`);
  for (const u of r.unreadable) lines.push(line`Could not read ${u.path}: ${u.errno} (not covered by this snapshot).`);
  const next = ['momentum-perms', 'audit', '--since', shellWord(r.path), ...rerun.map(shellWord)].join(' ');
  lines.push(line``, line`Next: after the upgrade, see what it changed: ${next}`);
  return text(lines);
}
