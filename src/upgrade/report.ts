/**
 * What `--since` adds to a text report: the account notices, the findings by how they relate to the
 * snapshot, and the entries the upgrade changed that still comply. Pure: lines in, the caller prints them.
 */
import { printable } from '../printable.js';
import { octal, type Target } from '../types.js';
import type { SinceFindings } from './since.js';

/** How many changed-but-compliant entries the text shows (all are counted; JSON may show more). */
export const SHOWN = 10;

function show(t: Target): string {
  return `${t.uid}:${t.gid} ${octal(t.mode)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What `--since` found, as data: for JSON reports (the text shows the same in sinceLines). */
export function sinceData(s: SinceFindings): Record<string, unknown> {
  const c = s.counts();
  const changed = s.changedCompliant();
  return {
    snapshot: { created: s.snapshot.created, trees: s.snapshot.trees, excluded: s.snapshot.excluded },
    notices: s.notices(),
    findings: c.findings,
    restored: c.restored,
    remapped: c.remapped,
    changedCompliant: { total: changed.total, entries: changed.entries },
  };
}

/** The lines to print after the report (or on stderr, to keep a machine-readable stdout clean). */
export function sinceLines(s: SinceFindings): string[] {
  const lines = s.notices().map((n) => `note: ${n}`);
  const c = s.counts();
  const f = c.findings;
  const unrecorded = f.unrecorded > 0 ? `, ${f.unrecorded} where the snapshot did not record` : '';
  lines.push(
    `Since the snapshot of ${s.snapshot.created}: ${plural(f['changed-by-upgrade'], 'finding')} changed by the upgrade, ${f.preexisting} preexisting, ${f.new} new${unrecorded}.`,
  );
  const changed = s.changedCompliant();
  if (changed.total > 0) {
    lines.push(`${changed.total === 1 ? '1 entry the upgrade changed still complies' : `${changed.total} entries the upgrade changed still comply`}:`);
    for (const e of changed.entries.slice(0, SHOWN)) {
      lines.push(`  ${e.path}  ${show(e.before)} → ${show(e.now)}${e.restore ? '  (fix --since restores it)' : ''}`);
    }
    if (changed.total > SHOWN) lines.push(`  … and ${changed.total - SHOWN} more`);
  }
  if (c.restored > 0 || c.remapped > 0) {
    lines.push(`fix --since would give ${c.restored} entries their pre-upgrade values and ${c.remapped} a re-created account's new id.`);
  }
  // Paths and account names come from the disk and the configuration: escaped, one line each.
  return lines.map(printable);
}
