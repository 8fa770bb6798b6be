/**
 * Plain data of the fixer: what a change request is, what the journal records, what a run returns.
 * Everything here is serialisable as it is.
 */
import type { EntryType, Outcome, RefusalReason, Target } from '../types.js';

export { O_PATH } from '../io/fs.js';
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

/** Default state directory (a Momentum path, so under --root): a setting (src/settings.ts). */
export { DEFAULT_STATE_DIR } from '../settings.js';

/**
 * One change the apply step is asked to make: reach `path` inside `tree` without following links, check
 * that it is still the inode the walk saw (`dev`, `ino`, `type`), and make it `target`.
 */
export interface ChangeRequest {
  path: string;
  /** The declared tree the path is in (Momentum path). */
  tree: string;
  dev: number;
  ino: number;
  type: EntryType;
  target: Target;
  rule: string | null;
  /**
   * Undo only: the values the entry must still have (what the fix left); anything else is reported,
   * not changed. Null for a fix, which starts from whatever the entry has now.
   */
  expect: Target | null;
}

/** A change that passed every check and would be made (`--dry-run` prints these). */
export interface PlannedChange {
  path: string;
  before: Target;
  after: Target;
  rule: string | null;
}

/** The pure plan's answer for one verdict. */
export type PlanStep =
  | { kind: 'skip' }
  | { kind: 'change'; request: ChangeRequest }
  | { kind: 'refused'; reason: RefusalReason; message: string };

/** Counts every fix or undo report ends with. `planned` is only non-zero for --dry-run. */
export interface FixSummary {
  fixed: number;
  unchanged: number;
  refused: number;
  failed: number;
  planned: number;
}

/** The first line of a journal. */
export interface JournalHeader {
  journal: 'momentum-perms';
  version: 1;
  command: 'fix' | 'undo';
  /** Host directory that stood for `/` (--root). */
  root: string;
  time: string;
  pid: number;
  /** For an undo: the journal it restores (Momentum path). */
  undoes?: string;
  /** The service account's ids at the time: recorded for a person reading the journal; no decision depends on them. */
  service: ServiceIds;
}

/** One journal line: written and made durable before the change it describes is made. */
export interface JournalRecord {
  path: string;
  dev: number;
  ino: number;
  before: Target;
  after: Target;
  /** The entry's type and declared tree, so that undo can apply the same safety rules without the rules. */
  type: EntryType;
  tree: string;
}

/** Receives each result as it is decided (streamed: nothing holds every outcome). */
export interface FixSink {
  outcome?: (o: Outcome) => void;
  planned?: (p: PlannedChange) => void;
}

/** The ids of the service account, for deciding whether a tree is one it can write. */
export interface ServiceIds {
  uid: number;
  gids: readonly number[];
}

/**
 * Whether a fix or undo may have changed something: an entry fixed, or a change that failed after its journal line
 * (a first step may have been made). A failure to reach an entry, with no journal, changed nothing.
 */
export function changedSomething(r: { summary: FixSummary; journal: string | null }): boolean {
  return r.summary.fixed > 0 || (r.journal !== null && r.summary.failed > 0);
}
