/**
 * `--format prometheus`: node_exporter textfile-collector metrics (the text exposition format, version
 * 0.0.4), so that the Prometheus and Alertmanager an operator already runs watch every Momentum node.
 * Written atomically by the caller (`--output FILE`); the collector only reads files ending in `.prom`.
 *
 * `momentum_perms_last_success_timestamp_seconds` moves only when a run examined everything; otherwise it is
 * carried over from the previous file, so `time() - momentum_perms_last_success_timestamp_seconds > 7200`
 * alerts on an audit that keeps failing as well as on one that stopped running.
 */
import * as fs from 'node:fs';
import type { AuditResult } from '../audit/types.js';
import { CHECKS, type Check, type Finding, type Since } from '../types.js';
import { openAtomic } from '../io/atomic.js';
import { exitStatusOf } from '../exit.js';
import type { HookStatus } from '../upgrade/status.js';
import type { ReportContext, Reporter } from './types.js';

const P = 'momentum_perms_';

/** The report context, with what this format can use when the caller has it. */
export interface PrometheusContext extends ReportContext {
  /** The file the report will replace (`--output`): its last-success timestamp is carried over. */
  output?: string;
  /** Clock, for tests (milliseconds since the epoch). */
  now?: () => number;
}

/** What one exposition describes. Counts are absent when the run failed before it could count. */
export interface PrometheusState {
  success: boolean;
  /** Unix time in seconds. */
  runAt: number;
  lastSuccess: number | null;
  exitStatus: number;
  counts?: {
    byCheck: ReadonlyMap<Check, number>;
    byRule: ReadonlyMap<string, number>;
    bySince: ReadonlyMap<Since, number>;
    examined: number;
    errors: number;
    vanished: number;
    durationSeconds: number;
  };
}

/** Escape a label value: backslash, double quote and newline (exposition format). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/** Render the exposition text. Pure. */
export function renderPrometheus(s: PrometheusState): string {
  const out: string[] = [];
  const family = (name: string, help: string, samples: [labels: string, value: number][]): void => {
    out.push(`# HELP ${P}${name} ${escapeHelp(help)}`, `# TYPE ${P}${name} gauge`);
    for (const [labels, value] of samples) out.push(`${P}${name}${labels} ${num(value)}`);
  };
  const labelled = (key: string, m: ReadonlyMap<string, number>): [string, number][] =>
    [...m].map(([k, v]) => [`{${key}="${escapeLabel(k)}"}`, v]);

  family('last_run_success', 'Whether the last audit ran to the end and examined every path (1) or not (0).', [['', s.success ? 1 : 0]]);
  family('last_run_exit_status', 'Exit status of the last audit (0 clean, 1 findings, 2 usage or configuration error, 3 incomplete).', [['', s.exitStatus]]);
  family('last_run_timestamp_seconds', 'When the last audit ended, in Unix time.', [['', s.runAt]]);
  if (s.lastSuccess !== null) {
    family('last_success_timestamp_seconds', 'When an audit last examined every path, in Unix time; carried over while runs fail.', [['', s.lastSuccess]]);
  }
  const c = s.counts;
  if (c === undefined) return out.join('\n') + '\n';
  family('findings', 'Findings of the last audit, by check.', CHECKS.map((k) => [`{check="${k}"}`, c.byCheck.get(k) ?? 0]));
  family('rule_findings', 'Findings of the last audit, by rule (file:line, builtin:<check>, or none).', labelled('rule', c.byRule));
  if (c.bySince.size > 0) {
    family('since_findings', 'Findings of the last audit against its --since snapshot.', labelled('since', c.bySince));
  }
  family('entries_examined', 'Entries the last audit examined.', [['', c.examined]]);
  family('errors', 'Paths the last audit could not examine.', [['', c.errors]]);
  family('vanished', 'Entries that vanished between readdir and lstat during the last audit (the spool does this all day).', [['', c.vanished]]);
  family('audit_duration_seconds', 'How long the last audit took.', [['', c.durationSeconds]]);
  return out.join('\n') + '\n';
}

/** A previous metrics file is a few kilobytes; more than this is not one. */
export const MAX_PREVIOUS_METRICS = 1 << 20;

/**
 * The text of the previous metrics file, or null when there is none to trust. Opened without following a
 * link and without blocking (O_NOFOLLOW|O_NONBLOCK), then fstat'ed: only a regular file owned by whoever runs
 * the audit, at most MAX_PREVIOUS_METRICS bytes, is read. Stops: the account that owns the collector's
 * directory (prometheus on Debian) putting a FIFO or a link to /proc/kmsg at the file's name, which hung
 * every failing run (the hourly audits piled up), or a file of its own that forges the last success.
 */
function readPrevious(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    const euid = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
    if (!st.isFile() || st.uid !== euid || st.nlink !== 1 || st.size > MAX_PREVIOUS_METRICS) return null;
    const buf = Buffer.alloc(Math.min(st.size, MAX_PREVIOUS_METRICS));
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The last-success timestamp of a previous metrics file, or null (no file, no such line, or a file that is
 * not one this account wrote: see readPrevious).
 */
export function readLastSuccess(file: string | undefined): number | null {
  if (file === undefined) return null;
  const text = readPrevious(file);
  if (text === null) return null;
  const m = /^momentum_perms_last_success_timestamp_seconds\s+([0-9.eE+]+)\s*$/m.exec(text);
  const v = m?.[1] === undefined ? NaN : Number(m[1]);
  return Number.isFinite(v) ? v : null;
}

/** The reporter: counts findings by check, by rule and by `since`; writes the exposition at the end. */
export function prometheusReporter(ctx: PrometheusContext): Reporter {
  const now = ctx.now ?? Date.now;
  const byCheck = new Map<Check, number>();
  const byRule = new Map<string, number>();
  const bySince = new Map<Since, number>();
  return {
    start() {
      // Metrics are written on every run, --quiet or not: staleness is what the alerts watch.
    },
    finding(f: Finding) {
      byCheck.set(f.check, (byCheck.get(f.check) ?? 0) + 1);
      const rule = f.rule ?? 'none';
      byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
      if (f.since !== undefined) bySince.set(f.since, (bySince.get(f.since) ?? 0) + 1);
    },
    end(r: AuditResult) {
      const runAt = now() / 1000;
      const success = r.summary.errors === 0;
      const counts = {
        byCheck,
        byRule,
        bySince,
        examined: r.summary.examined,
        errors: r.summary.errors,
        vanished: r.summary.vanished,
        durationSeconds: r.durationMs / 1000,
      };
      const lastSuccess = success ? runAt : readLastSuccess(ctx.output);
      ctx.sink.write(renderPrometheus({ success, runAt, lastSuccess, exitStatus: exitStatusOf(r.summary), counts }));
    },
  };
}

/**
 * For a run that failed before it could report (a configuration error, exit status 2): replace `file` with
 * metrics that say so and keep the previous last-success timestamp. Never throws: it runs on a failure path.
 */
export function writePrometheusFailure(file: string, exitStatus: number, now: number = Date.now()): void {
  const text = renderPrometheus({ success: false, runAt: now / 1000, lastSuccess: readLastSuccess(file), exitStatus });
  try {
    const f = openAtomic(file, 0o644);
    try {
      f.write(text);
      f.commit();
    } catch {
      f.abort();
    }
  } catch {
    // the failure being reported matters more than the metrics file
  }
}

/** The package hooks' metrics (momentum_perms_hook.prom): every recorded phase's last status and time. Pure. */
export function renderHookMetrics(s: HookStatus): string {
  const phases = Object.keys(s).sort();
  const lines = [
    '# HELP momentum_perms_hook_last_status Exit status of the last run of each package hook phase (0 done, 1 drift left, 2 configuration error, 3 could not do its job).',
    '# TYPE momentum_perms_hook_last_status gauge',
    ...phases.map((p) => `momentum_perms_hook_last_status{phase="${escapeLabel(p)}"} ${s[p]?.status ?? 0}`),
    '# HELP momentum_perms_hook_last_run_timestamp_seconds When each package hook phase last ran.',
    '# TYPE momentum_perms_hook_last_run_timestamp_seconds gauge',
    ...phases.map((p) => `momentum_perms_hook_last_run_timestamp_seconds{phase="${escapeLabel(p)}"} ${s[p]?.at ?? 0}`),
  ];
  return lines.join('\n') + '\n';
}
