/**
 * `momentum-perms fix` and its exit status: 0 compliant at the end, 1 drift remains (refused entries,
 * findings fix does not correct, or a dry run with changes planned), 2 usage/configuration/rules error
 * (thrown), 3 something failed or could not be examined, or another run holds the lock (MP301, thrown).
 */
import { fixJsonReporter } from '../fix/report-json.js';
import { fixTextReporter, type FixReporter } from '../fix/report-text.js';
import type { FixResult } from '../fix/run.js';
import { fix } from '../pipeline.js';
import { makeRoot, realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import { bufferedSink } from '../report/sink.js';
import { loadSnapshot } from '../snapshot/index.js';
import { sinceLines } from '../upgrade/report.js';
import { sinceStep, type SinceStep } from '../upgrade/since.js';
import { auditOptionsOf, rerunArgs } from './audit.js';
import { EXIT, type Io } from './io.js';
import { progress } from './progress.js';
import type { CommonOptions, FixCliOptions } from './options.js';

/** The exit status a fix or undo result calls for. */
export function fixExitStatus(r: FixResult): number {
  const s = r.summary;
  if (s.failed > 0 || r.errors > 0) return EXIT.incomplete;
  if (s.refused > 0 || r.reported > 0 || s.planned > 0) return EXIT.findings;
  return EXIT.ok;
}

/** The reporter `--json` or the text default asks for, writing through `write`. */
export function fixReporter(o: CommonOptions & { quiet?: boolean; only?: string[] }, write: (t: string) => void, io: Io, command: 'fix' | 'undo', dryRun: boolean): FixReporter {
  if (o.json) return fixJsonReporter({ write, command, dryRun, root: makeRoot(o.root).dir });
  // Names from the root's own passwd and group databases (root's files), looked up only for the lines shown.
  const db = userDbFor(realFs, makeRoot(o.root));
  const names = { user: (id: number) => db.userById(id)?.name, group: (id: number) => db.groupById(id)?.name };
  return fixTextReporter({ write, color: io.color, command, dryRun, quiet: o.quiet === true, rerun: rerunArgs(o), names, ...(o.only ? { only: o.only } : {}) });
}

/** Run the fix and print its report. Throws MpError for usage, configuration, rules, state and lock errors. */
export async function runFix(o: FixCliOptions, io: Io): Promise<number> {
  const dryRun = o.dryRun === true;
  let since: SinceStep | undefined;
  if (o.since !== undefined) since = sinceStep(await loadSnapshot(o.since, o.root));
  const out = bufferedSink((t) => io.out(t));
  const reporter = fixReporter(o, (t) => out.write(t), io, 'fix', dryRun);
  const shown = io.progress !== undefined && o.quiet !== true ? progress(io.progress.write, io.progress.columns) : null;
  try {
    const r = fix({
      ...(shown !== null ? { onEntry: (p: string) => shown.tick(p) } : {}),
      ...auditOptionsOf(o),
      dryRun,
      ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
      ...(o.journal !== undefined ? { journal: o.journal } : {}),
      ...(o.only !== undefined ? { only: o.only } : {}),
      sink: reporter.sink,
    }, { since });
    shown?.end();
    // What the snapshot comparison found: before the report in text, on stderr beside JSON (stdout stays JSON).
    if (since !== undefined) {
      const lines = sinceLines(since).join('\n') + '\n';
      if (o.json) io.err(lines);
      else out.write(lines + '\n');
    }
    reporter.end(r);
    return fixExitStatus(r);
  } finally {
    // A run that failed leaves no half-written progress line before its error.
    shown?.end();
    out.flush();
  }
}
