/**
 * `momentum-perms audit`: run the audit and print a report. Only parses options, calls the API and prints;
 * the exit status is the documented contract (0 compliant, 1 findings, 2 usage/configuration/rules error,
 * 3 some paths could not be examined).
 */
import { Chalk } from 'chalk';
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import type { AuditResult } from '../audit/types.js';
import { isMpError, MpError } from '../errors.js';
import { exitStatus } from '../exit.js';
import { hostPath } from '../io/fs.js';
import { reporterSink, runPipeline } from '../pipeline.js';
import { reporterFor, reporterNames } from '../report/registry.js';
import type { ReportContext } from '../report/types.js';
import { apiOptions, rerunArgs, resolveSettings, type Settings } from '../settings.js';
import { loadSnapshot, stateSnapshotPath } from '../snapshot/index.js';
import { PRE_UPGRADE_SNAPSHOT, snapshotAge, when } from '../upgrade/hook.js';
import { sinceStep, type SinceStep } from '../upgrade/since.js';
import { textfileDir, TEXTFILE_DIRS, TEXTFILE_ENV } from '../upgrade/status.js';
import { auditingText, pendingUpgradeText } from '../report/notices.js';
import { writePrometheusFailure } from '../report/prometheus.js';
import { sinceData, sinceLines } from '../report/since.js';
import { atomicFile, bufferedSink } from '../report/sink.js';
import type { ReporterFactory } from '../report/types.js';
import type { Io } from './io.js';
import { formatOf, type AuditCliOptions } from './options.js';
import { progress } from '../report/progress.js';

/** Run the audit and write the report; returns the exit status. Throws MpError for usage and configuration errors. */
export async function runAudit(o: AuditCliOptions, io: Io): Promise<number> {
  return exitStatus({ kind: 'audit', summary: (await auditReported(o, io)).summary });
}

/** Run the audit and write the report; returns the result. Throws MpError for usage and configuration errors. */
export async function auditReported(o: AuditCliOptions, io: Io): Promise<AuditResult> {
  const s = resolveSettings(o);
  if (o.metrics) o = metricsOptions(s, o);
  const format = formatOf(o);
  const factory = reporterFor(format);
  if (factory === undefined) throw new MpError('MP300', `unknown format ${format} (known: ${reporterNames().join(', ')})`);
  try {
    return await auditAndReport(s, o, io, format, factory);
  } catch (e) {
    // A metrics file must say that the last run failed, with the status the run exits with, or the
    // staleness alert is all that would tell.
    if (format === 'prometheus' && o.output !== undefined && isMpError(e)) writePrometheusFailure(o.output, exitStatus({ kind: 'error', error: e }));
    throw e;
  }
}

/** `--metrics`: the prometheus format into TEXTFILE-DIR/momentum_perms.prom (a Momentum path, under --root). */
function metricsOptions(s: Settings, o: AuditCliOptions): AuditCliOptions {
  if ((o.format !== undefined && o.format !== 'prometheus') || o.json || o.output !== undefined) {
    throw new MpError('MP300', '--metrics writes the prometheus format to the textfile directory: it takes no --format, --json or --output');
  }
  const dir = textfileDir(s.root, o.textfileDir);
  if (dir === null) {
    throw new MpError('MP305', `no node_exporter textfile directory: none of ${TEXTFILE_DIRS.join(', ')} exists; give --textfile-dir or set ${TEXTFILE_ENV}`);
  }
  return { ...o, format: 'prometheus', output: hostPath(s.root, `${dir}/momentum_perms.prom`) };
}

/**
 * A pre-upgrade snapshot that no post-upgrade step consumed: the upgrade's resets are still in place and
 * only `hook post-upgrade` restores the local choices from it (plain `fix` would make the rules' defaults
 * of them). Said on stderr whatever the format, so that cron mails it and a person sees it.
 */
function pendingNotice(s: Settings, io: Io): void {
  const now = new Date();
  let age: number | undefined;
  try {
    age = snapshotAge(s.root.dir, s.stateDir, PRE_UPGRADE_SNAPSHOT, now);
  } catch {
    return;
  }
  if (age === undefined) return;
  io.err(pendingUpgradeText(when(now, age), stateSnapshotPath(s.stateDir, PRE_UPGRADE_SNAPSHOT), rerunArgs(s)));
}

async function auditAndReport(s: Settings, o: AuditCliOptions, io: Io, format: string, factory: ReporterFactory): Promise<AuditResult> {
  const opts = apiOptions(s);
  let since: SinceStep | undefined;
  if (o.since !== undefined) since = sinceStep(await loadSnapshot(o.since, s.root.dir));

  // A report file is always written in full (a monitoring reader wants the current state, even when clean);
  // --quiet only silences the terminal.
  const file = o.output !== undefined ? atomicFile(o.output) : undefined;
  const stdout = bufferedSink((t) => io.out(t));
  const ctx: ReportContext & { output?: string } = {
    sink: file ?? stdout,
    color: file ? new Chalk({ level: 0 }) : io.color,
    quiet: file === undefined && o.quiet === true,
    rerun: rerunArgs(s),
  };
  // The file a report replaces: the metrics format carries its last-success time over.
  if (o.output !== undefined) ctx.output = o.output;
  if (since !== undefined && o.since !== undefined) {
    ctx.since = o.since;
    // What the snapshot comparison found: inside a text report, on stderr beside machine formats.
    const s = since;
    if (format === 'text') ctx.epilogue = () => sinceLines(s);
    if (format === 'json') ctx.members = () => ({ since: sinceData(s) });
  }
  const reporter = factory(ctx);
  const shown = io.progress !== undefined && o.quiet !== true ? progress(io.progress.write, io.progress.columns) : null;
  try {
    const report = reporterSink(reporter, s.root.dir);
    const result = runPipeline(
      opts,
      {
        start: (b) => {
          report.start(b);
          // A person at a terminal learns at once what is being read, not only when the walk is over.
          if (shown !== null && io.progress !== undefined) io.progress.write(auditingText(b));
        },
        verdict: (v) => {
          report.verdict(v);
          shown?.tick(v.entry.path);
        },
        finding: report.finding,
        end: (r) => {
          shown?.end();
          report.end(r);
        },
      },
      { since },
    );
    if (since !== undefined && format !== 'text' && format !== 'json' && !(o.quiet === true && result.summary.findings === 0)) {
      io.err(sinceLines(since).join('\n') + '\n');
    }
    if (file) file.commit();
    pendingNotice(s, io);
    return result;
  } catch (e) {
    if (file) file.abort();
    throw e;
  } finally {
    stdout.flush();
  }
}
