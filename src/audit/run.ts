/**
 * The audit's streaming core: walk every tree the bound rules declare, have each entry judged, and pass the
 * verdicts on as they come; then the paths outside the walk (the configuration's outside the trees, the
 * packages' missing files, the required paths). Nothing here holds more than one entry at a time.
 *
 * One channel per kind: a walked entry's findings travel inside its verdict; `finding` carries only
 * findings about paths that were never walked.
 */
import { realFs, type FsLike, type Root } from '../io/fs.js';
import { directoriesTo } from '../walk/descriptors.js';
import type { BoundRules } from '../rules/types.js';
import type { Entry, Finding, Summary, Verdict } from '../types.js';
import { entryOf, lookEntry, parentOf, walk } from '../walk/index.js';
import { notPassable } from '../io/trust.js';
import { aboveTreeFinding, errorFinding, missingFinding, outsideFinding } from './findings.js';
import type { AuditScope } from './types.js';
import { isUnder } from '../paths.js';

/** Where and how far the walk goes. */
export interface WalkContext {
  fs: FsLike;
  root: Root;
  crossFilesystems: boolean;
  /** Examine only the non-spool trees whole, and these paths in the spool trees (AuditOptions.scope). */
  scope?: AuditScope | undefined;
}

/**
 * The verdict on one entry: the rules' compare (and, in the pipeline, the since-diff after it). `own` are
 * findings the audit adds itself (an outside-tree path's), carried in the verdict after the compare's.
 */
export type Judge = (entry: Entry, parent: string, own?: readonly Finding[]) => Verdict;

/** What the audit hands on: a verdict per walked entry, and findings about paths that were never walked. */
export interface Examined {
  verdict(v: Verdict): void;
  finding(f: Finding): void;
}

/** The rules' compare alone, with the audit's own findings appended. */
export function plainJudge(bound: BoundRules): Judge {
  return (entry, parent, own) => {
    const v = bound.check(entry, parent);
    return own === undefined || own.length === 0 ? v : { ...v, findings: [...v.findings, ...own] };
  };
}

/** The callbacks of the published audit() (AuditOptions): every finding alone, walked or not, then each verdict. */
export interface AuditContext extends WalkContext {
  onFinding?: ((f: Finding) => void) | undefined;
  onVerdict?: ((v: Verdict) => void) | undefined;
}

/** One path, without following a link on the way (see lookEntry). */
const lstatOne = lookEntry;

/**
 * The part of a spool tree a scoped audit examines: each listed path below `tree` and every directory
 * between it and the tree's root, each once, parents before children (so that a fix of a directory comes
 * before the entries in it, as in the walk). Nothing is listed or followed: a path that is gone is skipped
 * (the transaction removed it), one that cannot be examined is an error finding.
 */
function scopedSpool(
  ctx: WalkContext,
  tree: string,
  paths: readonly string[],
  visit: (e: Entry, parent: string) => void,
  onError: (path: string, errno: string) => void,
): void {
  const wanted = new Set<string>();
  for (const raw of paths) {
    const p = normalise(raw);
    if (p === null || !isUnder(p, tree)) continue;
    for (let q = p; isUnder(q, tree); q = parentOf(q)) {
      wanted.add(q);
      if (q === tree) break;
    }
  }
  // Sorted, a directory comes before what is in it.
  for (const p of [...wanted].sort()) {
    const r = lstatOne(ctx.fs, ctx.root, p);
    if ('entry' in r) visit(r.entry, parentOf(p));
    else if ('errno' in r) onError(p, r.errno);
  }
}

/**
 * The directories from / down to each tree's parent (under --root, not --root's own parents): each must be
 * root's and writable by root alone, or root's and sticky (/tmp). Each is examined once, however many trees
 * lie below it; one that is gone or cannot be examined is left to the walk of the tree to report.
 */
function aboveTrees(ctx: WalkContext, trees: readonly string[], emit: (f: Finding) => void): void {
  const seen = new Set<string>();
  if (ctx.fs === realFs) {
    // The directories actually passed, root's own links followed (/var/run → /run: /run is what is checked).
    for (const tree of trees) {
      for (const d of directoriesTo(ctx.root, tree)) {
        if (seen.has(d.path)) continue;
        seen.add(d.path);
        const entry = entryOf(d.path, d.st, 'dir');
        const why = notPassable(d.acl === undefined ? entry : { uid: entry.uid, gid: entry.gid, mode: entry.mode, acl: d.acl });
        if (why !== null) emit(aboveTreeFinding(entry, tree, why));
      }
    }
    return;
  }
  for (const tree of trees) {
    for (let d = parentOf(tree); !seen.has(d); d = parentOf(d)) {
      seen.add(d);
      const r = lstatOne(ctx.fs, ctx.root, d);
      if ('entry' in r && r.entry.type === 'dir') {
        const why = notPassable(r.entry);
        if (why !== null) emit(aboveTreeFinding(r.entry, tree, why));
      }
      if (d === '/') break;
    }
  }
}

/** A listed path as a clean Momentum path, or null when it is not absolute or climbs with `..`. */
function normalise(p: string): string | null {
  if (!p.startsWith('/') || p.includes('\0')) return null;
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.includes('..')) return null;
  return '/' + parts.join('/');
}

/**
 * Examine with rules already bound: the declared trees, then the configuration-derived paths outside them,
 * then the paths the rules require. Returns the counts; verdicts and findings go to `out`.
 */
export function examine(bound: BoundRules, ctx: WalkContext, judge: Judge, out: Examined): Summary {
  const summary: Summary = { examined: 0, findings: 0, errors: 0, vanished: 0 };
  const count = (f: Finding): void => {
    summary.findings++;
    if (f.check === 'error') summary.errors++;
  };
  const emit = (f: Finding): void => {
    count(f);
    out.finding(f);
  };
  const pass = (v: Verdict): void => {
    const fs = v.findings;
    for (let i = 0; i < fs.length; i++) count(fs[i] as Finding);
    out.verdict(v);
  };
  // The per-entry path: one judge() call, no other allocation.
  const visit = (entry: Entry, parent: string): void => {
    summary.examined++;
    pass(judge(entry, parent));
  };
  const onError = (path: string, errno: string): void => emit(errorFinding(path, errno));
  const onVanished = (): void => void summary.vanished++;
  const opts = { crossFilesystems: ctx.crossFilesystems };

  aboveTrees(ctx, bound.trees.map((t) => t.path), emit);
  for (const t of bound.trees) {
    if (ctx.scope !== undefined && t.spool) scopedSpool(ctx, t.path, ctx.scope.paths, visit, onError);
    else walk(ctx.fs, ctx.root, t.path, opts, visit, onError, onVanished);
  }

  const seen = new Set<string>();
  for (const cp of bound.outside) {
    if (cp.pattern) {
      emit(outsideFinding(cp, undefined));
      continue;
    }
    const r = lstatOne(ctx.fs, ctx.root, cp.path);
    if ('errno' in r) {
      emit(errorFinding(cp.path, r.errno));
      continue;
    }
    const entry = 'entry' in r ? r.entry : undefined;
    const outside = outsideFinding(cp, entry);
    // Two options may name one file (mainlog and paniclog on one path): judge it once.
    if (entry === undefined || seen.has(cp.path)) {
      emit(outside);
      continue;
    }
    seen.add(cp.path);
    summary.examined++;
    // Outside every tree: no tree, so that nothing is ever changed there.
    pass({ ...judge(entry, parentOf(entry.path), [outside]), tree: null });
  }

  // Files the packages declare that the walk did not meet and that do not exist (src/package/).
  const layer = bound.packages?.layer;
  if (layer) for (const f of layer.missing(ctx.fs, ctx.root)) emit(f);

  for (const req of bound.required) {
    const r = lstatOne(ctx.fs, ctx.root, req.path);
    if ('gone' in r) emit(missingFinding(req.path, req.rule));
    else if ('errno' in r) emit(errorFinding(req.path, r.errno));
  }
  return summary;
}

/**
 * The published audit's callbacks over examine(): each finding alone (those of a walked entry first, then
 * its verdict), so that a caller that wants only findings needs only onFinding.
 */
export function callbacksOf(ctx: Pick<AuditContext, 'onFinding' | 'onVerdict'>): Examined {
  const onFinding = ctx.onFinding;
  const onVerdict = ctx.onVerdict;
  return {
    verdict(v) {
      if (onFinding) for (const f of v.findings) onFinding(f);
      if (onVerdict) onVerdict(v);
    },
    finding(f) {
      if (onFinding) onFinding(f);
    },
  };
}

/** Audit with rules already bound, through the callbacks of `ctx`. Returns the counts. */
export function auditBound(bound: BoundRules, ctx: AuditContext): Summary {
  return examine(bound, ctx, plainJudge(bound), callbacksOf(ctx));
}

/** The exit status a summary calls for (decided in src/exit.ts). */
export { exitStatusOf } from '../exit.js';
