/**
 * `momentum-perms audit`: run the audit and print a report. Only parses options, calls the API and prints;
 * the exit status is the documented contract (0 compliant, 1 findings, 2 usage/configuration/rules error,
 * 3 some paths could not be examined).
 */
import { Chalk } from 'chalk';
import { reporterSink, runPipeline } from '../pipeline.js';
import { exitStatusOf } from '../audit/run.js';
import type { AuditOptions } from '../audit/types.js';
import { isMpError, MpError } from '../errors.js';
import { atomicFile, bufferedSink } from '../report/sink.js';
import { writePrometheusFailure } from '../report/prometheus.js';
import { reporterFor, reporterNames } from '../report/registry.js';
import type { ReportContext, ReporterFactory } from '../report/types.js';
import { hostPath, makeRoot } from '../io/fs.js';
import { shellWord } from '../report/next.js';
import { loadSnapshot, stateSnapshotPath } from '../snapshot/index.js';
import { PRE_UPGRADE_SNAPSHOT, snapshotAge, when } from '../upgrade/hook.js';
import { TEXTFILE_DIRS, TEXTFILE_ENV, textfileDir } from '../upgrade/status.js';
import { sinceData, sinceLines } from '../upgrade/report.js';
import { sinceStep, type SinceStep } from '../upgrade/since.js';
import { EXIT, type Io } from './io.js';
import { progress } from './progress.js';
import { printable } from '../printable.js';
import { packageOptionsOf, type AuditCliOptions, type CommonOptions } from './options.js';

const DEFAULT_LOCAL_RULES = '/etc/momentum-perms/local.rules';

/** The format asked for: `--format`, or `--json`; both at once must agree. */
export function formatOf(o: AuditCliOptions): string {
  if (o.json && o.format !== undefined && o.format !== 'json') {
    throw new MpError('MP300', `--json and --format ${o.format} ask for two different formats`);
  }
  return o.format ?? (o.json ? 'json' : 'text');
}

/** The options a follow-up command needs to look at the same install (used in "Next:" lines). */
export function rerunArgs(o: CommonOptions): string[] {
  const a: string[] = [];
  if (o.root !== undefined) a.push('--root', makeRoot(o.root).dir);
  if (o.config !== undefined) a.push('--config', o.config);
  if (o.node !== undefined) a.push('--node', o.node);
  if (o.localRules !== undefined && o.localRules !== DEFAULT_LOCAL_RULES) a.push('--local-rules', o.localRules);
  if (o.rules !== undefined) a.push('--rules', o.rules);
  if (o.ruleSet !== undefined) a.push('--rule-set', o.ruleSet);
  if (o.packages === false) a.push('--no-packages');
  if (o.rpmDbpath !== undefined) a.push('--rpm-dbpath', o.rpmDbpath);
  return a;
}

/** The audit options the CLI options stand for (without callbacks). */
export function auditOptionsOf(o: CommonOptions): AuditOptions {
  const a: AuditOptions = {};
  if (o.root !== undefined) a.root = o.root;
  if (o.config !== undefined) a.configFile = o.config;
  if (o.node !== undefined) a.node = o.node;
  if (o.rules !== undefined) a.rulesFile = o.rules;
  if (o.localRules !== undefined) a.localRules = o.localRules;
  if (o.ruleSet !== undefined) {
    if (o.ruleSet !== '3.x' && o.ruleSet !== '4.x') throw new MpError('MP300', `--rule-set must be 3.x or 4.x, not ${o.ruleSet}`);
    a.ruleSet = o.ruleSet;
  }
  if (o.crossFilesystems) a.crossFilesystems = true;
  const p = packageOptionsOf(o);
  if (p !== undefined) a.packages = p;
  return a;
}

/** Run the audit and write the report; returns the exit status. Throws MpError for usage and configuration errors. */
export async function runAudit(o: AuditCliOptions, io: Io): Promise<number> {
  if (o.metrics) o = metricsOptions(o);
  const format = formatOf(o);
  const factory = reporterFor(format);
  if (factory === undefined) throw new MpError('MP300', `unknown format ${format} (known: ${reporterNames().join(', ')})`);
  try {
    return await auditAndReport(o, io, format, factory);
  } catch (e) {
    // A metrics file must say that the last run failed, or the staleness alert is all that would tell.
    if (format === 'prometheus' && o.output !== undefined && isMpError(e)) writePrometheusFailure(o.output, EXIT.usage);
    throw e;
  }
}

/** `--metrics`: the prometheus format into TEXTFILE-DIR/momentum_perms.prom (a Momentum path, under --root). */
function metricsOptions(o: AuditCliOptions): AuditCliOptions {
  if ((o.format !== undefined && o.format !== 'prometheus') || o.json || o.output !== undefined) {
    throw new MpError('MP300', '--metrics writes the prometheus format to the textfile directory: it takes no --format, --json or --output');
  }
  const root = makeRoot(o.root);
  const dir = textfileDir(root, o.textfileDir);
  if (dir === null) {
    throw new MpError('MP305', `no node_exporter textfile directory: none of ${TEXTFILE_DIRS.join(', ')} exists; give --textfile-dir or set ${TEXTFILE_ENV}`);
  }
  return { ...o, format: 'prometheus', output: hostPath(root, `${dir}/momentum_perms.prom`) };
}

/**
 * A pre-upgrade snapshot that no post-upgrade step consumed: the upgrade's resets are still in place and
 * only `hook post-upgrade` restores the local choices from it (plain `fix` would make the rules' defaults
 * of them). Said on stderr whatever the format, so that cron mails it and a person sees it.
 */
function pendingNotice(o: AuditCliOptions, io: Io): void {
  const now = new Date();
  let age: number | undefined;
  try {
    age = snapshotAge(o.root, o.stateDir, PRE_UPGRADE_SNAPSHOT, now);
  } catch {
    return;
  }
  if (age === undefined) return;
  const at = when(now, age);
  const rerun = rerunArgs(o).map(shellWord).join(' ');
  io.err(
    `momentum-perms: a pre-upgrade snapshot of ${at} is pending (${stateSnapshotPath(o.stateDir, PRE_UPGRADE_SNAPSHOT)}): ` +
      `an upgrade's post-upgrade step has not run. Next: momentum-perms hook post-upgrade${rerun ? ` ${rerun}` : ''}   # not fix: it would not restore the local choices\n`,
  );
}

async function auditAndReport(o: AuditCliOptions, io: Io, format: string, factory: ReporterFactory): Promise<number> {
  const opts = auditOptionsOf(o);
  let since: SinceStep | undefined;
  if (o.since !== undefined) since = sinceStep(await loadSnapshot(o.since, o.root));

  // A report file is always written in full (a monitoring reader wants the current state, even when clean);
  // --quiet only silences the terminal.
  const file = o.output !== undefined ? atomicFile(o.output) : undefined;
  const stdout = bufferedSink((t) => io.out(t));
  const ctx: ReportContext & { output?: string } = {
    sink: file ?? stdout,
    color: file ? new Chalk({ level: 0 }) : io.color,
    quiet: file === undefined && o.quiet === true,
    rerun: rerunArgs(o),
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
    const report = reporterSink(reporter, makeRoot(o.root).dir);
    const result = runPipeline(
      opts,
      {
        start: (b) => {
          report.start(b);
          // A person at a terminal learns at once what is being read, not only when the walk is over.
          if (shown !== null && io.progress !== undefined) {
            const trees = b.trees.map((t) => t.path).join(', ');
            io.progress.write(printable(`Auditing ${trees} for ${b.user.name} (${b.user.id}), group ${b.group.name} (${b.group.id}), as ${b.config.configFile} says`) + '\n');
          }
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
    pendingNotice(o, io);
    return exitStatusOf(result.summary);
  } catch (e) {
    if (file) file.abort();
    throw e;
  } finally {
    stdout.flush();
  }
}
