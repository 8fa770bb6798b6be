import chalkDefault, { Chalk, type ChalkInstance } from 'chalk';

/**
 * Where a command writes. Commands return their exit status and write only through this, so tests can run a
 * command in-process and read what it printed.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colour for stdout (off without a TTY or with NO_COLOR). */
  color: ChalkInstance;
  /** True when stdout is a terminal (a person is reading). */
  isTTY: boolean;
  /** Where progress goes: stderr when it is a terminal, else absent (no progress). */
  progress?: { write: (text: string) => void; columns: number };
}

/**
 * What writing the process's standard output met (other than EPIPE: the reader stopped reading), and whether the
 * command's exit status answers for it. A report that a full disk or a broken file system swallowed must not end
 * with the status of a report that was read (the cron audit's `> report.txt`); the package hook, which must never
 * fail a transaction for its output, says its status does not.
 */
export const stdoutState: { error: string | null; matters: boolean } = { error: null, matters: true };

/** The process's Io. chalk 5 ignores NO_COLOR on a TTY, so it is honoured here. */
export function processIo(): Io {
  const tty = Boolean(process.stdout.isTTY);
  const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  const level = !tty || noColor ? 0 : chalkDefault.level;
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    color: new Chalk({ level }),
    isTTY: tty,
    ...(process.stderr.isTTY ? { progress: { write: (t: string) => void process.stderr.write(t), columns: process.stderr.columns || 80 } } : {}),
  };
}

/** An Io that records everything, for tests. */
export function memoryIo(): Io & { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  return {
    out: (t) => void (o += t),
    err: (t) => void (e += t),
    color: new Chalk({ level: 0 }),
    isTTY: false,
    stdout: () => o,
    stderr: () => e,
  };
}
