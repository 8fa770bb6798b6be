/**
 * `momentum-perms fix` and its exit status: 0 compliant at the end, 1 drift remains (refused entries,
 * findings fix does not correct, or a dry run with changes planned), 2 usage/configuration/rules error
 * (thrown), 3 something failed or could not be examined, or another run holds the lock (MP301, thrown).
 */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { exitStatus } from '../exit.js';
import { realFs } from '../io/fs.js';
import { userDbFor } from '../io/users.js';
import { fix } from '../pipeline.js';
import { fixReporterFor } from '../report/registry.js';
import { apiOptions, rerunArgs, resolveSettings, type Settings } from '../settings.js';
import { loadSnapshot } from '../snapshot/index.js';
import { sinceStep, type SinceStep } from '../upgrade/since.js';
import type { FixReporter } from '../report/fix-text.js';
import { sinceLines } from '../report/since.js';
import { bufferedSink } from '../report/sink.js';
import type { Io } from './io.js';
import { viewFormat, type FixCliOptions } from './options.js';
import { progress } from '../report/progress.js';
import type { FixResult } from '../fix/run.js';
import { changedSomething } from '../fix/types.js';

/** The reporter `--json` or the text default asks for, writing through `write`. */
export function fixReporter(
  s: Settings,
  o: { json?: boolean; quiet?: boolean; only?: string[] },
  write: (t: string) => void,
  io: Io,
  command: 'fix' | 'undo',
  dryRun: boolean,
): FixReporter {
  const format = viewFormat(o);
  // Names from the root's own passwd and group databases (root's files), looked up only for the lines shown.
  const db = format === 'text' ? userDbFor(realFs, s.root) : undefined;
  const names = db && { user: (id: number) => db.userById(id)?.name, group: (id: number) => db.groupById(id)?.name };
  return fixReporterFor(format)({
    write,
    color: io.color,
    command,
    dryRun,
    quiet: o.quiet === true,
    rerun: rerunArgs(s),
    root: s.root.dir,
    ...(names ? { names } : {}),
    ...(o.only ? { only: o.only } : {}),
  });
}

/** Run the fix and print its report. Throws MpError for usage, configuration, rules, state and lock errors. */
export async function runFix(o: FixCliOptions, io: Io): Promise<number> {
  const s = resolveSettings(o);
  const dryRun = o.dryRun === true;
  let since: SinceStep | undefined;
  if (o.since !== undefined) since = sinceStep(await loadSnapshot(o.since, s.root.dir));
  const out = bufferedSink((t) => io.out(t));
  const reporter = fixReporter(s, o, (t) => out.write(t), io, 'fix', dryRun);
  const shown = io.progress !== undefined && o.quiet !== true ? progress(io.progress.write, io.progress.columns) : null;
  let partial: FixResult | undefined;
  let failing = true;
  // What the snapshot comparison found: before the report in text, on stderr beside JSON (stdout stays JSON).
  const sinceReport = (stopped = false): void => {
    if (since === undefined) return;
    const lines = sinceLines(since, stopped).join('\n') + '\n';
    if (o.json) io.err(lines);
    else out.write(lines + '\n');
  };
  try {
    const r = fix({
      onStopped: (p) => void (partial = p),
      ...(shown !== null ? { onEntry: (p: string) => shown.tick(p) } : {}),
      ...apiOptions(s),
      dryRun,
      ...(o.journal !== undefined ? { journal: o.journal } : {}),
      ...(o.only !== undefined ? { only: o.only } : {}),
      sink: reporter.sink,
    }, { since });
    shown?.end();
    sinceReport();
    reporter.end(r);
    failing = false;
    return exitStatus({ kind: 'fix', result: r });
  } catch (e) {
    shown?.end();
    // Stopped partway (a journal that cannot be written, a report to a closed pipe): what was changed, and the
    // journal that undoes it, are printed before the error is, which stays the one thrown; with --since, what the
    // comparison found until then, as a whole run prints it.
    endStopped(reporter, partial, out, () => sinceReport(true));
    throw e;
  } finally {
    // A run that failed leaves no half-written progress line before its error.
    shown?.end();
    flushUnless(out, failing);
  }
}

/** Flush the report; after a failure, what the flush throws is dropped: the run's own error is the one to report. */
export function flushUnless(out: { flush(): void }, failing: boolean): void {
  if (!failing) return out.flush();
  try {
    out.flush();
  } catch {
    // a closed pipe: the error thrown says why the run stopped
  }
}

/**
 * The report of a run an error stopped, when it changed something (an error before any change leaves only
 * itself to say), after `preface` (what comes before a report), written out at once; what the writing throws is
 * dropped: the run's own error is the one to report (the `finally` flush then has nothing left to write).
 */
export function endStopped(reporter: FixReporter, partial: FixResult | undefined, out: { flush(): void }, preface?: () => void): void {
  if (partial === undefined || !changedSomething(partial)) return;
  try {
    preface?.();
  } catch {
    // a closed pipe: the error below says why the run stopped
  }
  try {
    reporter.end({ ...partial, stopped: true });
    out.flush();
  } catch {
    // a closed pipe: the error below says why the run stopped
  }
}
