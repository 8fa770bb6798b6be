/**
 * `undo` as a library call: replay a journal backwards, restoring each entry's `before` with the same
 * safety rules as the fix, and only where the entry (same device and inode) is still exactly as the fix
 * left it. Undo journals its own changes, so an undo can be undone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError, releaseAll, stopped } from '../errors.js';
import { makeRoot } from '../io/fs.js';
import { Applier, reserveFdsSoon } from './apply.js';
import { linesBackward, parseRecord, scanJournal } from './journal-read.js';
import type { JournalWriter } from './journal.js';
import { acquireLock, type Lock } from '../io/lock.js';
import { journalOpener, type FixResult } from './run.js';
import { openState, type StateDir } from '../io/state.js';
import { openTrustedFile } from '../io/secure-path.js';
import { DEFAULT_STATE_DIR, type FixSink, type JournalHeader } from './types.js';

export interface UndoOptions {
  root?: string;
  /** Momentum path of the state directory (default /var/lib/momentum-perms). */
  stateDir?: string;
  /** Momentum path of undo's own journal (default: a new file in STATE-DIR/journal/). */
  journal?: string;
  sink?: FixSink;
  batchSize?: number;
  beforeApply?: () => void;
  /** Called when an error stops the undo, before it is thrown, with what it did until then (see FixOptions). */
  onStopped?: (partial: UndoResult) => void;
}

/** Result of an undo: `journal` is undo's own journal; `summary.fixed` counts entries restored. */
export interface UndoResult extends FixResult {
  /** The journal that was undone (Momentum path). */
  undone: string;
  /** Its last line was cut short by a killed run and ignored. */
  truncated: boolean;
}


/** Restore what the journal at `journalPath` (a Momentum path) recorded. */
export function undo(journalPath: string, opts: UndoOptions = {}): UndoResult {
  const root = makeRoot(opts.root);
  if (process.geteuid?.() !== 0) throw new MpError('MP304', 'undo changes ownership and must run as root');
  const m = path.posix.resolve('/', journalPath);
  const sink = opts.sink ?? {};
  let state: StateDir | undefined;
  let lock: Lock | undefined;
  let fd = -1;
  let applier: Applier | undefined;
  let journal: JournalWriter | undefined;
  let failing = true;
  let truncated = false;
  try {
    state = openState(root, opts.stateDir ?? DEFAULT_STATE_DIR);
    lock = acquireLock(state.state);
    reserveFdsSoon(opts.batchSize);
    // A journal the service account could edit, or redirect by a link or a rename, would let it name
    // any inode and any owner for root to set.
    fd = openTrustedFile(root, m, 'journal', 'MP302');
    const scan = scanJournal(fd, m);
    truncated = scan.truncated;
    if (scan.header.root !== root.dir) {
      throw new MpError('MP302', `journal ${m} was written for root ${scan.header.root}, not ${root.dir}`, {
        notes: [`run: momentum-perms undo --root ${scan.header.root} ${m}`],
      });
    }
    const service = scan.header.service;
    const header: JournalHeader = { journal: 'momentum-perms', version: 1, command: 'undo', root: root.dir, time: new Date().toISOString(), pid: process.pid, undoes: m, service };
    const open = journalOpener(root, state, opts.journal, header, undefined, m);
    applier = new Applier({
      rootDir: root.dir,
      dryRun: false,
      journal: () => (journal = open()),
      sink,
      retryUnsafeParents: true,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      ...(opts.beforeApply !== undefined ? { beforeApply: opts.beforeApply } : {}),
    });
    let n = scan.lines;
    // Newest change first: a directory is restored after the entries below it, which were judged with
    // the directory as the fix left it.
    for (const line of linesBackward(fd, scan.end)) {
      if (n-- === 1) break; // the header
      const r = parseRecord(line);
      if (r === null) throw new MpError('MP302', `journal ${m} changed while it was read`);
      applier.submit({ path: r.path, tree: r.tree, dev: r.dev, ino: r.ino, type: r.type, target: r.before, rule: null, expect: r.after });
    }
    applier.settle();
    applier.close();
    failing = false;
    return {
      root: root.dir,
      journal: journal?.path ?? null,
      dryRun: false,
      summary: applier.summary,
      reported: 0,
      errors: 0,
      undone: m,
      truncated: scan.truncated,
    };
  } finally {
    releaseAll([() => applier?.abandon(), () => journal?.close(), () => fd >= 0 && fs.closeSync(fd), () => lock?.release(), () => state?.close()], failing);
    if (failing && applier !== undefined) {
      stopped(opts.onStopped, { root: root.dir, journal: journal?.path ?? null, dryRun: false, summary: applier.summary, reported: 0, errors: 0, undone: m, truncated });
    }
  }
}
