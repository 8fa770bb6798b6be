/**
 * The JSON report of a fix or undo:
 *
 *   { "root", "command", "dryRun", "outcomes": [...], "plan": [...], "reported": [...], "journal",
 *     "summary": { "fixed", "unchanged", "refused", "failed", "planned", "reported", "errors" } }
 *
 * The big array is streamed as it is made (outcomes for a real run, the plan for a dry run), so a fix of
 * two million spool files does not hold two million records; the smaller arrays are kept until the end.
 * `undo` adds `"undone"`: the journal it replayed.
 */
import { jsonText } from '../printable.js';
import type { Finding, Outcome } from '../types.js';
import type { FixReporter, FixReportOptions } from './fix-text.js';
import type { PlannedChange } from '../fix/types.js';

export function fixJsonReporter(o: Pick<FixReportOptions, 'write' | 'command' | 'dryRun' | 'root'>): FixReporter {
  const streamed = o.dryRun ? 'plan' : 'outcomes';
  const kept = o.dryRun ? 'outcomes' : 'plan';
  const held: (Outcome | PlannedChange)[] = [];
  const reported: Finding[] = [];
  let n = 0;
  let opened = false;
  // Opened on first use: an error before anything happened leaves stdout empty, not half a document.
  const open = (): void => {
    if (!opened) o.write(`{\n  "root": ${jsonText(o.root)},\n  "command": "${o.command}",\n  "dryRun": ${o.dryRun},\n  "${streamed}": [`);
    opened = true;
  };
  const stream = (x: unknown): void => {
    open();
    o.write((n++ === 0 ? '' : ',') + '\n    ' + jsonText(x));
  };
  return {
    sink: {
      outcome: (x) => (o.dryRun ? held.push(x) : stream(x)),
      planned: (p) => (o.dryRun ? stream(p) : held.push(p)),
      reported: (f) => void reported.push(f),
    },
    end(r) {
      const list = (xs: unknown[]): string => (xs.length === 0 ? '[]' : `[\n    ${xs.map((x) => jsonText(x)).join(',\n    ')}\n  ]`);
      const summary = { ...r.summary, reported: r.reported, errors: r.errors };
      const tail = [
        `  "${kept}": ${list(held)}`,
        `  "reported": ${list(reported)}`,
        `  "journal": ${jsonText(r.journal)}`,
        ...(r.undone !== undefined ? [`  "undone": ${jsonText(r.undone)}`] : []),
        // An error stopped the run (on stderr, with the exit status): the document still ends, whole.
        ...(r.stopped === true ? ['  "stopped": true'] : []),
        `  "summary": ${jsonText(summary)}`,
      ];
      open();
      o.write(`${n === 0 ? '' : '\n  '}],\n${tail.join(',\n')}\n}\n`);
    },
  };
}
