/**
 * What `--since` adds to a text report: the account notices, the findings by how they relate to the
 * snapshot, and the entries the upgrade changed that still comply. Pure: lines in, the caller prints them.
 */
import { octal, type Target } from '../types.js';
import type { SinceSession } from './since.js';

/** How many changed-but-compliant entries the text shows (all are counted; JSON may show more). */
export const SHOWN = 10;

function show(t: Target): string {
  return `${t.uid}:${t.gid} ${octal(t.mode)}`;
}

/** The lines to print after the report (or on stderr, to keep a machine-readable stdout clean). */
export function sinceLines(s: Omit<SinceSession, 'opts'>): string[] {
  const lines = s.notices().map((n) => `note: ${n}`);
  const c = s.counts();
  const f = c.findings;
  lines.push(
    `Since the snapshot of ${s.snapshot.created}: ${f['changed-by-upgrade']} findings changed by the upgrade, ${f.preexisting} preexisting, ${f.new} new.`,
  );
  const changed = s.changedCompliant();
  if (changed.total > 0) {
    lines.push(`${changed.total} entries the upgrade changed still comply:`);
    for (const e of changed.entries.slice(0, SHOWN)) {
      lines.push(`  ${e.path}  ${show(e.before)} → ${show(e.now)}${e.restore ? '  (fix --since restores it)' : ''}`);
    }
    if (changed.total > SHOWN) lines.push(`  … and ${changed.total - SHOWN} more`);
  }
  if (c.restored > 0 || c.remapped > 0) {
    lines.push(`fix --since would give ${c.restored} entries their pre-upgrade values and ${c.remapped} a re-created account's new id.`);
  }
  return lines;
}
