/**
 * Taking a snapshot: walk the trees the bound rules declare (the spool trees only when asked) and stream
 * every entry into a snapshot file. The walk is the audit's own (never follows links, stays on one
 * filesystem, counts vanished entries); no rule is evaluated, so a snapshot costs little more than the walk.
 */
import type { FsLike, Root } from '../io/fs.js';
import type { BoundRules } from '../rules/types.js';
import type { Entry } from '../types.js';
import { walk } from '../walk/index.js';
import { Coverage, isUnder } from './coverage.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotHeader } from './format.js';
import { createSnapshotWriter } from './writer.js';

/** What a snapshot records, and what its header says of the install. */
export interface SnapshotPlan {
  trees: string[];
  excluded: string[];
  configFile: string;
  user: { name: string; id: number };
  group: { name: string; id: number };
}

export interface TakeOptions {
  fs: FsLike;
  root: Root;
  plan: SnapshotPlan;
  /** Host path of the snapshot file. */
  file: string;
  crossFilesystems: boolean;
  /** gzip the file (default true). */
  gzip?: boolean;
  /** The name messages use for the file (default: `file`). */
  display?: string;
  /** The time recorded in the header (default now). */
  now?: Date;
}

export interface TakeResult {
  file: string;
  entries: number;
  /** Size of the file written. */
  bytes: number;
  trees: string[];
  excluded: string[];
  /** Places that could not be read, with errno (left out of what the snapshot covers). */
  unreadable: { path: string; errno: string }[];
  vanished: number;
  durationMs: number;
}

/**
 * Trees to record and trees to leave out. Only the rules (root's) decide what is left out: the spool trees
 * they declare. A spool path taken from the configuration never is: the service account edits the
 * configuration, and `spoolbase = /opt/msys/ecelerity` would otherwise take the whole install out of the
 * pre-upgrade snapshot, so the upgrade's resets of root's files could not be told from local choices. What
 * the configuration names may add to the walk (a spool inside the install is recorded with it), never remove.
 */
export function snapshotTrees(bound: Pick<BoundRules, 'trees' | 'rules'>, includeSpool: boolean): { trees: string[]; excluded: string[] } {
  const trees: string[] = [];
  const excluded = new Set<string>();
  for (const t of bound.trees) {
    if (t.spool && !includeSpool) excluded.add(t.path);
    else trees.push(t.path);
  }
  if (!includeSpool) {
    for (const t of bound.rules.trees) if (t.spool && t.path.startsWith('/')) excluded.add(t.path);
  }
  // A tree inside another recorded tree is walked with it: walking it again would record it twice.
  const outer = trees.filter((t) => !trees.some((o) => o !== t && isUnder(t, o)));
  return { trees: [...new Set(outer)], excluded: [...excluded] };
}

/** The plan for a snapshot of a bound install. */
export function snapshotPlan(bound: BoundRules, includeSpool: boolean): SnapshotPlan {
  return {
    ...snapshotTrees(bound, includeSpool),
    configFile: bound.config.configFile,
    user: { name: bound.user.name, id: bound.user.id },
    group: { name: bound.group.name, id: bound.group.id },
  };
}

/** Walk and write. Throws MpError MP305 when the file cannot be written (the temporary file is removed). */
export function takeSnapshot(o: TakeOptions): TakeResult {
  const started = Date.now();
  const { trees, excluded } = o.plan;
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    created: (o.now ?? new Date()).toISOString(),
    root: o.root.dir,
    configFile: o.plan.configFile,
    user: o.plan.user,
    group: o.plan.group,
    trees,
    excluded,
  };
  const writer = createSnapshotWriter(o.file, header, { gzip: o.gzip ?? true, display: o.display ?? o.file });
  const coverage = new Coverage(trees, excluded);
  const unreadable: { path: string; errno: string }[] = [];
  let vanished = 0;
  const visit = (e: Entry, parent: string): void => {
    // A spool nested in another tree is walked with it, but left out of the file.
    if (coverage.covers(e.path, parent)) writer.add(e);
  };
  const onError = (path: string, errno: string): void => void unreadable.push({ path, errno });
  try {
    for (const t of trees) {
      walk(o.fs, o.root, t, { crossFilesystems: o.crossFilesystems }, visit, onError, () => void vanished++);
    }
    const done = writer.finish(unreadable.map((u) => u.path));
    return { file: o.file, entries: done.entries, bytes: done.bytes, trees, excluded, unreadable, vanished, durationMs: Date.now() - started };
  } catch (e) {
    writer.abort();
    throw e;
  }
}
