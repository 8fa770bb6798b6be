/**
 * The one error type the tool throws for expected failures: bad configuration, bad rules, usage errors,
 * a missing user. Each carries a stable code, and where the cause is in a file, file:line:column and the
 * offending line so that the message can show a caret under the column.
 *
 * Anything else that escapes is a bug.
 */
import { printable } from './printable.js';

/** Stable error codes. Documented in README; never renamed once released. */
export type ErrorCode =
  // configuration (MP1xx)
  | 'MP100' // configuration file not found
  | 'MP101' // syntax error
  | 'MP102' // unterminated string or comment
  | 'MP103' // include target not found
  | 'MP104' // include cycle
  | 'MP105' // unknown user (a name with no passwd entry)
  | 'MP106' // unknown group (a name with no group entry)
  | 'MP107' // unreadable file
  | 'MP108' // invalid value
  // rules (MP2xx)
  | 'MP200' // rules file not found
  | 'MP201' // rules syntax error
  | 'MP202' // invalid rule value
  | 'MP203' // rules file not safe to trust for a root fix
  | 'MP204' // no rule set for this Momentum version
  // usage and state (MP3xx)
  | 'MP300' // usage error
  | 'MP301' // lock held by another run
  | 'MP302' // journal or snapshot unreadable or invalid
  | 'MP303' // state directory unsafe
  | 'MP304' // refused to run (for example: fix without root)
  | 'MP305'; // an output file (snapshot, metrics, log) could not be written

/** Where in a file an error is: 1-based line and column. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

export class MpError extends Error {
  override readonly name = 'MpError';
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  /** The text of the offending line, without its newline, when known. */
  readonly sourceLine: string | undefined;
  /** Extra lines shown after the frame (for example an include chain). */
  readonly notes: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    opts: { location?: Location; sourceLine?: string; notes?: readonly string[] } = {},
  ) {
    super(message);
    this.code = code;
    this.location = opts.location;
    this.sourceLine = opts.sourceLine;
    this.notes = opts.notes ?? [];
  }

  /** `file:line:column`, or undefined when the error is not about a place in a file. */
  get where(): string | undefined {
    const l = this.location;
    return l ? `${l.file}:${l.line}:${l.column}` : undefined;
  }
}

/**
 * Render an error the way compilers do:
 *
 *     error MP101: expected '}' to close scope "Security"
 *       --> /opt/msys/ecelerity/etc/conf/default/ecelerity.conf:12:3
 *        |
 *     12 |   user = = ecuser
 *        |          ^
 */
export function renderError(err: MpError): string {
  // Messages and lines may carry names from the disk or the configuration: escape control characters.
  const out: string[] = [`error ${err.code}: ${printable(err.message)}`];
  const loc = err.location;
  if (loc) {
    out.push(`  --> ${printable(loc.file)}:${loc.line}:${loc.column}`);
    if (err.sourceLine !== undefined) {
      const num = String(loc.line);
      const pad = ' '.repeat(num.length);
      // Tabs are kept so that the caret lines up with what a terminal shows.
      const line = err.sourceLine.replace(/\r$/, '');
      const shown = keepTabs(line);
      const prefix = keepTabs(line.slice(0, Math.max(0, loc.column - 1))).replace(/[^\t]/g, ' ');
      out.push(`${pad} |`);
      out.push(`${num} | ${shown}`);
      out.push(`${pad} | ${prefix}^`);
    }
  }
  for (const n of err.notes) out.push(`  = ${printable(n)}`);
  return out.join('\n');
}

/** Control characters escaped, tabs kept (so that the caret lines up with what a terminal shows). */
function keepTabs(text: string): string {
  return text.split('\t').map(printable).join('\t');
}

export function isMpError(e: unknown): e is MpError {
  return e instanceof MpError;
}

/**
 * Run every release step (wait for the batch in flight, close the journal, release the lock, close the state
 * directory) even when one throws: a step skipped would leave the lock for the next run to find stale. The
 * first error is thrown afterwards, unless `failing`: the run already failed, and its own error, the cause, is
 * the one to report (a journal that cannot be synced while a run stops for a full disk must not hide why).
 */
export function releaseAll(steps: readonly (() => void)[], failing: boolean): void {
  let first: { e: unknown } | null = null;
  for (const step of steps) {
    try {
      step();
    } catch (e) {
      first ??= { e };
    }
  }
  if (first !== null && !failing) throw first.e;
}

/** Tell `onStopped` what a stopped run did; what it throws is dropped: the run's own error is the one to report. */
export function stopped<T>(onStopped: ((partial: T) => void) | undefined, partial: T): void {
  try {
    onStopped?.(partial);
  } catch {
    // a report written to a closed pipe: the error thrown after this says why the run stopped
  }
}
