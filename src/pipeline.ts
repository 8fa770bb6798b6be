/**
 * The pipeline, in the order it runs:
 *
 * 1. bind: the configuration and the rule layers for its version → the expectations (src/audit/bind.ts);
 * 2. walk: every declared tree, never following a link, one entry at a time (src/walk/);
 * 3. check: the rules' compare of each entry → a verdict with its findings, pure (src/rules/check.ts);
 * 4. since-diff (with `--since`): each verdict related to a snapshot, pure (src/upgrade/since.ts);
 * 5. sink: a reporter (reporterSink), the fixer (plan → apply, src/fix/), or the published callbacks.
 *
 * A walked entry's findings travel inside its verdict; the sink's `finding` carries only findings about
 * paths that were never walked (could not be examined, required and missing, outside the trees, above them).
 * Everything streams: nothing holds more than one entry, and the result holds only counts.
 */
import { bindInstall } from './audit/bind.js';
import { callbacksOf, examine, plainJudge, type Judge } from './audit/run.js';
import type { AuditOptions, AuditResult, InstallOptions } from './audit/types.js';
import { startFix, type FixOptions, type FixResult } from './fix/run.js';
import { stopped } from './errors.js';
import type { BoundRules } from './rules/types.js';
import type { ReportHeader, Reporter } from './report/types.js';
import type { Finding, Verdict } from './types.js';
import type { SinceStep } from './upgrade/since.js';

/** Where the pipeline's results go. */
export interface Sink {
  /** The configuration and rules are bound; nothing is walked yet. A throw here stops the run. */
  start(bound: BoundRules): void;
  /** A walked entry's verdict, its findings inside it. */
  verdict(v: Verdict): void;
  /** A finding about a path that was never walked. */
  finding(f: Finding): void;
  /** Everything was examined: the counts, and how long it took. */
  end(result: AuditResult): void;
}

/** What the pipeline runs with, besides the audit's options. */
export interface Steps {
  /** `--since`: relate every verdict and finding to a snapshot (the step keeps what it found). */
  since?: SinceStep | undefined;
}

/**
 * Run the pipeline into `sink`. Throws MpError (status 2) for configuration and rules errors, before
 * anything is examined; everything found during the walk is a finding, never an exception.
 */
export function runPipeline(opts: InstallOptions, sink: Sink, steps: Steps = {}): AuditResult {
  const started = performance.now();
  // 1. bind
  const { bound, fs, root, users } = bindInstall(opts);
  const since = steps.since;
  since?.start(bound, users);
  sink.start(bound);
  // 3. check (pure), then 4. the since-diff (pure): one verdict per entry.
  const judge: Judge =
    since === undefined ? plainJudge(bound) : (entry, parent, own) => since.verdict(bound.check(entry, parent), parent, own);
  // 2. walk, each entry judged as it is met; then 5. into the sink.
  const summary = examine(bound, { fs, root, crossFilesystems: opts.crossFilesystems ?? false, scope: opts.scope }, judge, {
    verdict: (v) => sink.verdict(v),
    finding: since === undefined ? (f) => sink.finding(f) : (f) => sink.finding(since.finding(f)),
  });
  const result: AuditResult = { root: root.dir, bound, summary, durationMs: performance.now() - started };
  sink.end(result);
  return result;
}

/**
 * An audit report format as a sink: the header once the rules are bound, every finding (a walked entry's,
 * then the others as they come), the result at the end. `root` is the host directory that stood for `/`.
 */
export function reporterSink(reporter: Reporter, root: string): Sink {
  return {
    start(b) {
      const reasons = new Map(b.rules.rules.map((r) => [r.id, r.reason]));
      const header: ReportHeader = { root, configFile: b.config.configFile, user: b.user, group: b.group, reasonOf: (id) => reasons.get(id) };
      reporter.start(header);
    },
    verdict(v) {
      for (const f of v.findings) reporter.finding(f);
    },
    finding: (f) => reporter.finding(f),
    end: (result) => reporter.end(result),
  };
}

/**
 * Audit a Momentum install, streaming to the callbacks of `opts` (each finding alone through onFinding,
 * walked or not; each walked entry's verdict through onVerdict). Throws MpError (status 2) for
 * configuration and rules errors, before anything is examined.
 */
export function audit(opts: AuditOptions = {}, steps: Steps = {}): AuditResult {
  const out = callbacksOf(opts);
  const { onStart } = opts;
  return runPipeline(
    opts,
    {
      start: (bound) => onStart?.(bound),
      verdict: out.verdict,
      finding: out.finding,
      end: () => {},
    },
    steps,
  );
}

/**
 * Correct owner, group and mode drift the audit finds, safely, with a journal for undo. Refusals and
 * failures are outcomes (see `opts.sink` and the summary). Throws MpError: configuration and rules errors,
 * MP203 (a rules file not root's alone), MP301 (another run holds the lock), MP303 (unsafe state
 * directory), MP304 (not root).
 */
export function fix(opts: FixOptions = {}, steps: Steps = {}): FixResult {
  const fixer = startFix(opts);
  try {
    runPipeline(opts, fixer, steps);
  } catch (e) {
    fixer.close(true);
    stopped(opts.onStopped, fixer.result());
    throw e;
  }
  fixer.close();
  return fixer.result();
}
