/**
 * What `--since` adds to a text report: the account notices, the findings by how they relate to the
 * snapshot, and the entries the upgrade changed that still comply. Pure: lines in, the caller prints them.
 */
import { showTarget } from '../types.js';
import type { SinceFindings } from '../upgrade/since.js';
import { line, type Shown } from './line.js';

/** How many changed-but-compliant entries the text shows (all are counted; JSON may show more). */
export const SHOWN = 10;

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

/**
 * The lines to print after the report (or on stderr, to keep a machine-readable stdout clean). `stopped`: the run
 * an error stopped, whose walk compared only part of the trees: the counts say so, and what a run would give is
 * left out.
 */
export function sinceLines(s: SinceFindings, stopped = false): string[] {
  // Paths and account names come from the disk and the configuration: each line escapes what it names.
  const lines: Shown[] = s.notices().map((n) => line`note: ${n}`);
  const c = s.counts();
  const f = c.findings;
  const unrecorded = f.unrecorded > 0 ? line`, ${f.unrecorded} where the snapshot did not record` : '';
  const until = stopped ? ', in what the run examined before it stopped' : '';
  lines.push(
    line`Since the snapshot of ${s.snapshot.created}${until}: ${plural(f['changed-by-upgrade'], 'finding')} changed by the upgrade, ${f.preexisting} preexisting, ${f.new} new${unrecorded}.`,
  );
  const changed = s.changedCompliant();
  if (changed.total > 0) {
    lines.push(changed.total === 1 ? line`1 entry the upgrade changed still complies:` : line`${changed.total} entries the upgrade changed still comply:`);
    for (const e of changed.entries.slice(0, SHOWN)) {
      lines.push(line`  ${e.path}  ${showTarget(e.before)} → ${showTarget(e.now)}${e.restore ? '  (fix --since restores it)' : ''}`);
    }
    if (changed.total > SHOWN) lines.push(line`  … and ${changed.total - SHOWN} more`);
  }
  if (!stopped && (c.restored > 0 || c.remapped > 0)) {
    lines.push(line`fix --since would give ${c.restored} entries their pre-upgrade values and ${c.remapped} a re-created account's new id.`);
  }
  return lines.map((l) => l.text);
}
