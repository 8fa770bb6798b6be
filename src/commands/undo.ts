/**
 * `momentum-perms undo JOURNAL`: restore what a fix recorded, where the entry is still as the fix left it.
 * Exit status as for fix: 0 all restored (or already back), 1 some refused, 3 some failed or the lock is
 * held, 2 usage or an unreadable or untrusted journal (thrown).
 */
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { exitStatus } from '../exit.js';
import { undo } from '../fix/index.js';
import { resolveSettings } from '../settings.js';
import { truncatedJournalText } from '../report/notices.js';
import { bufferedSink } from '../report/sink.js';
import { endStopped, fixReporter, flushUnless } from './fix.js';
import type { UndoResult } from '../fix/undo.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

export function runUndo(journal: string, o: CommonOptions & { quiet?: boolean }, io: Io): number {
  const s = resolveSettings(o);
  const out = bufferedSink((t) => io.out(t));
  const reporter = fixReporter(s, o, (t) => out.write(t), io, 'undo', false);
  let partial: UndoResult | undefined;
  let failing = true;
  try {
    const r = undo(journal, { root: s.root.dir, stateDir: s.stateDir, sink: reporter.sink, onStopped: (p) => void (partial = p) });
    if (r.truncated) io.err(truncatedJournalText(r.undone));
    reporter.end(r);
    failing = false;
    return exitStatus({ kind: 'fix', result: r });
  } catch (e) {
    // Stopped: the journal's cut-short last line is still worth saying (it is about the journal read, true whatever
    // the run did), before what the run did.
    if (partial?.truncated === true) io.err(truncatedJournalText(partial.undone));
    endStopped(reporter, partial, out);
    throw e;
  } finally {
    flushUnless(out, failing);
  }
}
