import type { ChalkInstance } from 'chalk';
import type { AuditResult } from '../audit/types.js';
import type { Finding } from '../types.js';

/** Where a report goes: stdout or a file written atomically. Buffered: a million findings are not a million writes. */
export interface Sink {
  write(text: string): void;
}

/** What every report states first: the root, the configuration read and the Security user and group. */
export interface ReportHeader {
  /** The `--root` directory (`/` without it). */
  root: string;
  configFile: string;
  user: { name: string; id: number };
  group: { name: string; id: number };
  /** The one-line reason a rule gives (`file:line` → reason), for text reports; not part of JSON. */
  reasonOf?: (rule: string) => string | undefined;
}

export interface ReportContext {
  sink: Sink;
  /** Colour for text reports; a no-colour instance when writing to a file or a pipe. */
  color: ChalkInstance;
  /** Write nothing at all when there are no findings (cron mails any output). */
  quiet: boolean;
  /** The options to repeat in the next command the text report suggests (`--root DIR`, `--config FILE`, …). */
  rerun: readonly string[];
  /** The snapshot `--since` compared against, repeated in a suggested `fix` or `audit`. */
  since?: string;
  /** Lines a text report prints after its groups, before the summary (what `--since` found). */
  epilogue?: () => string[];
  /** Members a JSON report adds after `summary` (`since`: what `--since` found, as the text shows it). */
  members?: () => Record<string, unknown>;
}

/**
 * A report format. The audit calls `start` once the rules are bound, `finding` for each finding as it is
 * found, and `end` with the result. A reporter keeps only what its format needs (text: counts and a few
 * paths per group; JSON and NDJSON: nothing), so memory stays bounded whatever the number of findings.
 */
export interface Reporter {
  start(header: ReportHeader): void;
  finding(f: Finding): void;
  end(result: AuditResult): void;
}

export type ReporterFactory = (ctx: ReportContext) => Reporter;
