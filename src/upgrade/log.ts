/**
 * Where the package hooks report: one line to stdout (the package manager shows it), the same line to a log
 * file and to syslog. A log that cannot be written is mentioned once on stderr and never fails the hook:
 * a missing syslog must not block a package transaction.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { printable } from '../printable.js';
import * as path from 'node:path';
import { DIR_FLAGS, errnoOf, fdPath, PIN_FLAGS } from '../io/fd.js';
import type { Root } from '../io/fs.js';
import { notRootOnly } from '../io/trust.js';
import { permsWithAcl } from '../io/acl.js';

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


/**
 * Open the directory `dir` (a Momentum path) from the root directory down, one component at a time, each
 * relative to the one above it and without following a link. The root directory itself is the
 * administrator's choice and may be reached through links.
 */
function openLogDir(root: Root, dir: string): number {
  let fd = fs.openSync(root.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    for (const name of dir.split('/').filter((c) => c !== '')) {
      if (name === '.' || name === '..') throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      const next = fs.openSync(fdPath(fd, name), DIR_FLAGS);
      fs.closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * Why the open log inode is not one root alone writes, or null. Stops: a second name for root's own file
 * (a hard link to /root/.bashrc made at the log's name where fs.protected_hardlinks is 0 and another account
 * writes /var/log): the hook appended a line carrying a configuration-chosen include name to it, and the
 * next root shell ran it. A file another account owns or may write is not root's log either.
 */
function notRootsLog(fd: number): string | null {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) return st.isSymbolicLink() ? 'ELOOP' : 'not a regular file';
  if (st.nlink !== 1) return `has ${st.nlink} hard links (another name for the same file could be anything root reads)`;
  return notRootOnly(permsWithAcl(fd, st));
}

/**
 * Append `text` to the log file at `file` (a Momentum path). The file is pinned with O_PATH|O_NOFOLLOW (a
 * link is not followed, a FIFO cannot block, a device's driver never runs) in its directory reached without
 * links, judged with fstat (a regular file, one name, root's, writable by root alone), and only then opened
 * for writing through the pin: the inode written is the one judged. When absent it is created with
 * O_CREAT|O_EXCL, so never over something planted in the meantime. The directory may be writable by another
 * account (Ubuntu's /var/log is root:syslog 0775): that account can remove or rename the log, but nothing it
 * puts at the name is written to unless it is a file root alone owns and writes with no other name.
 */
function appendLine(root: Root, file: string, text: string): string | null {
  const m = path.posix.resolve('/', file);
  let dir: number;
  try {
    dir = openLogDir(root, path.posix.dirname(m));
  } catch (e) {
    return errnoOf(e) ?? String(e);
  }
  const at = fdPath(dir, path.posix.basename(m));
  let fd = -1;
  try {
    let pin: number;
    try {
      pin = fs.openSync(at, PIN_FLAGS);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
      // Absent: create it, exclusively; a name planted since then makes this fail rather than be written.
      fd = fs.openSync(at, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o640);
      pin = -1;
    }
    if (pin !== -1) {
      try {
        const why = notRootsLog(pin);
        if (why !== null) return why;
        fd = fs.openSync(fdPath(pin), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NONBLOCK);
      } finally {
        fs.closeSync(pin);
      }
    }
    // Judged again on what is open for writing (the same inode: reopened through the pin, or just created).
    const why = notRootsLog(fd);
    if (why !== null) return why;
    fs.writeSync(fd, text);
    return null;
  } catch (e) {
    return errnoOf(e) ?? String(e);
  } finally {
    if (fd !== -1) fs.closeSync(fd);
    fs.closeSync(dir);
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
        const why = appendLine(o.root, o.logFile, `${now().toISOString()} momentum-perms[${process.pid}]: ${level}: ${message}\n`);
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
