/**
 * Where the package hooks report: one line to stdout (the package manager shows it), the same line to a log
 * file and to syslog. A log that cannot be written is mentioned once on stderr and never fails the hook:
 * a missing syslog must not block a package transaction.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { printable } from '../printable.js';
import { errnoOf, hostPath, type Root } from '../io/fs.js';

export type LogLevel = 'notice' | 'warning' | 'err';

export interface HookLog {
  line(level: LogLevel, message: string): void;
}

export interface HookLogOptions {
  root: Root;
  /** Momentum path of the log file (under root); null for none. */
  logFile: string | null;
  syslog: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The syslog writer (default: logger(1)); returns false when it could not log. */
  logger?: (level: LogLevel, message: string) => boolean;
  now?: () => Date;
}

/** Default log file, a Momentum path (so under --root, like the state directory). */
export const DEFAULT_LOG_FILE = '/var/log/momentum-perms.log';

/** syslog through logger(1), tag `momentum-perms`, facility user. False when logger is missing or fails. */
export function loggerSyslog(level: LogLevel, message: string): boolean {
  const r = spawnSync('logger', ['-t', 'momentum-perms', '-p', `user.${level}`, '--', message], {
    stdio: 'ignore',
    timeout: 5000,
  });
  return r.error === undefined && r.status === 0;
}

function appendLine(host: string, text: string): string | null {
  let fd: number;
  try {
    // O_NOFOLLOW: a link planted at the log's name is not written through. O_NONBLOCK: a FIFO planted
    // there fails at once (ENXIO) instead of hanging the package transaction.
    fd = fs.openSync(
      host,
      fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
      0o640,
    );
  } catch (e) {
    return errnoOf(e) ?? String(e);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return 'not a regular file';
    fs.writeSync(fd, text);
    return null;
  } catch (e) {
    return errnoOf(e) ?? String(e);
  } finally {
    fs.closeSync(fd);
  }
}

export function hookLog(o: HookLogOptions): HookLog {
  const now = o.now ?? (() => new Date());
  const syslog = o.logger ?? loggerSyslog;
  let fileBroken = false;
  let syslogBroken = false;
  return {
    line(level, raw) {
      // Messages carry paths and values from the configuration the service account edits: a newline in
      // one would forge log lines ("post-upgrade: fixed 0, refused 0 …") in the file, syslog and output.
      const message = printable(raw);
      o.out(`momentum-perms: ${message}\n`);
      if (o.logFile !== null && !fileBroken) {
        const why = appendLine(hostPath(o.root, o.logFile), `${now().toISOString()} momentum-perms[${process.pid}]: ${level}: ${message}\n`);
        if (why !== null) {
          fileBroken = true;
          o.err(`momentum-perms: cannot write log file ${o.logFile}: ${why} (continuing)\n`);
        }
      }
      if (o.syslog && !syslogBroken && !syslog(level, message)) {
        syslogBroken = true;
        o.err('momentum-perms: syslog is not available (logger failed); continuing\n');
      }
    },
  };
}
