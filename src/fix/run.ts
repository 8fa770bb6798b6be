/**
 * The fixer as a sink of the pipeline (src/pipeline.ts): plan each verdict (pure), and hand the planned
 * changes to the applier, which journals and makes them. Refusals and failures are outcomes, not exceptions.
 */
import * as path from 'node:path';
import { MpError, releaseAll } from '../errors.js';
import { hostPath, makeRoot, type Root } from '../io/fs.js';
import { nativeFs } from '../io/native.js';
import type { AuditResult, InstallOptions } from '../audit/types.js';
import type { BoundRules } from '../rules/types.js';
import type { Check, Finding, Verdict } from '../types.js';
import { Applier, reserveFdsSoon } from './apply.js';
import { emptySummary } from './batch.js';
import { inTree } from './safety.js';
import { JOURNALS_KEPT, JournalWriter, journalName, journalsIn, journalTime, removeJournals } from './journal.js';
import { acquireLock, type Lock } from '../io/lock.js';
import { normaliseOnly, planVerdict, withoutUngrantedSetid, type PlanOptions } from './plan.js';
import { closeDir, openDirUnder, openState, type StateDir } from '../io/state.js';
import { assertRulesTrusted } from '../io/trust.js';
import { DEFAULT_STATE_DIR, type FixSink, type FixSummary, type JournalHeader, type ServiceIds } from './types.js';

export interface FixOptions extends InstallOptions {
  /** Check everything and report the plan; change, create and lock nothing. */
  dryRun?: boolean;
  /** Momentum path of the state directory (default /var/lib/momentum-perms). */
  stateDir?: string;
  /** Momentum path of the journal to create (default: a new file in STATE-DIR/journal/). */
  journal?: string;
  /** `--only`: rule ids or Momentum path prefixes. */
  only?: readonly string[];
  /** Outcomes, planned changes (dry run) and findings fix does not correct, as they come. */
  sink?: FixSink & { reported?: (f: Finding) => void };
  /** Requests per journal fsync (default 256). */
  batchSize?: number;
  /** Test hook: called after a batch is journaled, before it is applied. */
  beforeApply?: () => void;
  /** fs.protected_hardlinks as the fix should take it (default: the running kernel's); see ApplyOptions. */
  hardlinksProtected?: boolean;
  /** Test hook: the most one journal may hold (default JOURNAL_MAX_BYTES). */
  journalMaxBytes?: number;
  /** Called with each entry examined (progress for a person at a terminal). */
  onEntry?: (path: string) => void;
  /**
   * Called when an error stops the run, before it is thrown, with what the run did until then (its outcomes went
   * to the sink as they came): a report can end all the same, with what was changed and the journal that undoes it.
   */
  onStopped?: (partial: FixResult) => void;
}

export interface FixResult {
  /** Host directory that stood for `/`. */
  root: string;
  /** Momentum path of the journal written, or null when nothing was changed (or in a dry run). */
  journal: string | null;
  dryRun: boolean;
  summary: FixSummary;
  /** Findings fix does not correct (type, missing, outside-tree, error, …): reported only. */
  reported: number;
  /** Entries the audit could not examine. */
  errors: number;
}

/** The checks a target is made for; `orphan`, `setid` and `world-writable` only when the target happens to cure them. */
export const FIXABLE: ReadonlySet<Check> = new Set<Check>(['owner', 'group', 'mode']);

/** Whether applying `v.target` makes finding `f` go away. */
export function cures(v: Verdict, f: Finding): boolean {
  if (v.target === null) return false;
  const t = withoutUngrantedSetid(v.entry, v.target, v.setidAllowed);
  switch (f.check) {
    case 'owner':
    case 'group':
    case 'mode':
      return true;
    case 'orphan':
      return f.actual?.startsWith('gid') ? t.gid !== v.entry.gid : t.uid !== v.entry.uid;
    case 'setid':
      return (t.mode & 0o6000) === 0;
    case 'world-writable':
      return (t.mode & 0o002) === 0 || (t.mode & 0o1000) !== 0;
    default:
      return false;
  }
}

/** The service account's uid and every gid it writes with: `$group` and the supplemental groups. */
export function serviceIds(bound: BoundRules): ServiceIds {
  const gids = [bound.group.id];
  for (const g of bound.config.security.supplementalGroups) if (g.id !== null) gids.push(g.id);
  return { uid: bound.user.id, gids };
}

/** Host path of each rules file the run read (shipped files live in the package, the others under --root). */
export function rulesHostPaths(bound: BoundRules, root: Root): { host: string; display: string }[] {
  return bound.rules.files.map((f) => ({
    host: f.host ?? (f.origin === 'shipped' ? path.resolve(f.path) : hostPath(root, f.path)),
    display: f.path,
  }));
}

/**
 * Open the journal to write on first use: `--journal FILE` (a Momentum path), or a new file in STATE-DIR/journal/.
 * `spare`: a journal never removed with the old ones (the one an undo restores from: it may be run again).
 */
export function journalOpener(root: Root, state: StateDir, explicit: string | undefined, header: JournalHeader, maxBytes?: number, spare?: string): () => JournalWriter {
  let w: JournalWriter | undefined;
  return () => {
    if (w !== undefined) return w;
    if (explicit !== undefined) {
      const m = path.posix.resolve('/', explicit);
      const dir = openDirUnder(root, path.posix.dirname(m));
      try {
        w = JournalWriter.create(dir.fd, path.posix.basename(m), m, header, maxBytes);
      } finally {
        closeDir(dir);
      }
    } else {
      // The newest JOURNALS_KEPT kept, this one with them (through the verified directory, root's alone).
      const d = state.journals();
      const spared = spare !== undefined && path.posix.dirname(spare) === d.path ? path.posix.basename(spare) : null;
      const names = journalsIn(d.fd);
      const old = names.slice(0, Math.max(0, names.length - (JOURNALS_KEPT - 1))).filter((n) => n !== spared);
      const name = journalName(header.command, journalTime(new Date(), names), process.pid);
      // Natively the first change batch makes the new journal and its name durable, and removes the old ones,
      // on the helper thread (a few milliseconds of the disk's, longer on a slow one, the walk no longer waits for).
      // Past a few (a state directory an older version never pruned), the rest are removed here.
      const n = nativeFs();
      const defer = n !== null && n.SYNCS_JOURNAL === true && n.SYNCS_NEW_JOURNAL === true;
      const later = defer ? old.slice(-PRUNED_LATER) : [];
      removeJournals(d.fd, old.slice(0, old.length - later.length));
      w = JournalWriter.create(d.fd, name, path.posix.join(d.path, name), header, maxBytes, defer ? later : null);
    }
    return w;
  };
}

/** The most old journals a change batch removes (changeStart takes up to 4,096). */
const PRUNED_LATER = 64;

/** Whether `--only` selects a finding (by its rule, or its path under a named path). */
function findingSelected(f: Finding, only: readonly string[]): boolean {
  if (only.length === 0) return true;
  return only.some((o) => o === f.rule || (o.startsWith('/') && inTree(f.path, o)));
}

/** Turn a verdict into an outcome or a request for the applier; report the findings its target does not cure. */
function handle(v: Verdict, applier: Applier, plan: PlanOptions, report: (f: Finding) => void): void {
  const only = plan.only;
  const step = planVerdict(v, plan);
  for (const f of v.findings) if (!cures(v, f) && findingSelected(f, only)) report(f);
  if (step.kind === 'change') applier.submit(step.request);
  else if (step.kind === 'refused' && v.target !== null) {
    const e = v.entry;
    applier.refused(e.path, { uid: e.uid, gid: e.gid, mode: e.mode }, v.target, step.reason, v.rule);
  }
}

/**
 * A fix run as a pipeline sink: `start` (the rules bound: check they are root's alone, set up the plan and
 * the applier), `verdict` (plan, then apply or refuse), `finding` (a path never walked: reported), `end`
 * (apply what is still pending). `close` releases what the run holds, whatever happened; `result` is the
 * run's result once it is over.
 */
export interface Fixer {
  start(bound: BoundRules): void;
  verdict(v: Verdict): void;
  finding(f: Finding): void;
  end(result: AuditResult): void;
  /** `failing`: the run threw, and that error is the one to report (see releaseAll). */
  close(failing?: boolean): void;
  result(): FixResult;
}

/**
 * Begin a fix: refuse a non-root run that would change things, open the state directory and take the lock
 * (before the configuration is read, so that two runs never interleave). Throws MpError MP301 (lock held),
 * MP303 (unsafe state directory), MP304 (not root); `start` throws MP203 (untrusted rules).
 */
export function startFix(opts: FixOptions): Fixer {
  const root = makeRoot(opts.root);
  const dryRun = opts.dryRun === true;
  if (!dryRun && process.geteuid?.() !== 0) throw new MpError('MP304', 'fix changes ownership and must run as root (try --dry-run)');
  const only = normaliseOnly(opts.only);
  const sink = opts.sink ?? {};
  const result: FixResult = { root: root.dir, journal: null, dryRun, summary: emptySummary(), reported: 0, errors: 0 };
  const report = (f: Finding): void => {
    if (f.check === 'error') result.errors++;
    result.reported++;
    sink.reported?.(f);
  };
  const { stateDir, journal: explicit, batchSize, beforeApply, hardlinksProtected, journalMaxBytes, onEntry } = opts;
  let state: StateDir | undefined;
  let lock: Lock | undefined;
  let applier: Applier | undefined;
  let journal: JournalWriter | undefined;
  let plan: PlanOptions = { only };
  if (!dryRun) {
    state = openState(root, stateDir ?? DEFAULT_STATE_DIR);
    try {
      lock = acquireLock(state.state);
    } catch (e) {
      state.close();
      throw e;
    }
    reserveFdsSoon(batchSize);
  }
  return {
    start(bound) {
      // Before anything is changed: rules the service account could edit decide nothing as root.
      assertRulesTrusted(rulesHostPaths(bound, root), bound.rules.untrusted);
      plan = {
        only,
        serviceTrees: new Set(bound.rules.trees.filter((t) => t.spool).map((t) => t.path)),
        unconfirmedGid: bound.groupConfirmed === true ? null : bound.group.id,
      };
      const service = serviceIds(bound);
      const header: JournalHeader = { journal: 'momentum-perms', version: 1, command: 'fix', root: root.dir, time: new Date().toISOString(), pid: process.pid, service };
      const open = state !== undefined ? journalOpener(root, state, explicit, header, journalMaxBytes) : noJournal;
      applier = new Applier({
        rootDir: root.dir,
        dryRun,
        journal: () => (journal = open()),
        sink,
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(beforeApply !== undefined ? { beforeApply } : {}),
        ...(hardlinksProtected !== undefined ? { hardlinksProtected } : {}),
      });
    },
    verdict(v) {
      onEntry?.(v.entry.path);
      // A compliant entry (no target, no finding) has nothing to plan or report: the spool's millions.
      if (applier !== undefined && (v.target !== null || v.findings.length > 0)) handle(v, applier, plan, report);
    },
    finding(f) {
      if (findingSelected(f, only)) report(f);
    },
    end() {
      applier?.close();
    },
    close(failing = false) {
      // On an exception what is pinned is dropped unapplied; journal lines written for it describe changes
      // that undo will find not made (the entry still at `before` counts as unchanged).
      releaseAll([() => applier?.abandon(), () => journal?.close(), () => lock?.release(), () => state?.close()], failing);
    },
    result() {
      if (applier !== undefined) result.summary = applier.summary;
      result.journal = journal?.path ?? null;
      return result;
    },
  };
}

function noJournal(): JournalWriter {
  throw new Error('a dry run writes no journal');
}
