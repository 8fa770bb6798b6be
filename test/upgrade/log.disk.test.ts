/**
 * The hook's log file on the real disk, as root, against what another account that writes /var/log can
 * put at its name (Ubuntu's /var/log is root:syslog 0775; uid 502 plays that account).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookLog } from '../../src/upgrade/log.js';
import { tempDir } from '../support/root.js';

const WRITER = 502;
let root: string;
let err: string;
let out: string;

function as(uid: number, script: string, ...args: string[]): void {
  execFileSync('/usr/bin/setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '/usr/bin/python3', '-c', script, ...args]);
}

function logLine(message: string): void {
  const log = hookLog({
    root: { dir: root },
    logFile: '/var/log/momentum-perms.log',
    syslog: false,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    now: () => new Date(0),
  });
  log.line('err', message);
}

const LOG = (): string => path.join(root, 'var/log/momentum-perms.log');
// The review's message: an include name chosen in ecelerity.conf, written so that a shell sourcing the line runs `id`.
const HOSTILE = 'post-upgrade: MP103 include target "x"; id>/tmp/pwned #" not found';

beforeEach(() => {
  root = tempDir('hooklog').dir;
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  fs.chownSync(path.join(root, 'var/log'), 0, WRITER);
  fs.chmodSync(path.join(root, 'var/log'), 0o775);
  fs.mkdirSync(path.join(root, 'root'), { mode: 0o700 });
  fs.writeFileSync(path.join(root, 'root/.bashrc'), '# rc\n', { mode: 0o644 });
  err = '';
  out = '';
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the hook log is written only to a file root alone owns and writes, with one name', () => {
  it("a hard link to root's .bashrc at the log's name is not appended to", () => {
    // Made by root here: with fs.protected_hardlinks=0 the /var/log writer can make this link itself
    // (with the kernel's usual 1 it cannot link a file it does not own).
    fs.linkSync(path.join(root, 'root/.bashrc'), LOG());
    logLine(HOSTILE);
    expect(fs.readFileSync(path.join(root, 'root/.bashrc'), 'utf8')).toBe('# rc\n');
    expect(err).toContain('cannot write log file /var/log/momentum-perms.log: has 2 hard links');
    // The line still reaches the package manager's output.
    expect(out).toContain('momentum-perms: post-upgrade: MP103');
  });

  it('a file the /var/log writer planted (its own, or root-owned but writable by its group) is not appended to', () => {
    as(WRITER, 'import sys\nopen(sys.argv[1],"w").write("mine\\n")', LOG());
    logLine(HOSTILE);
    expect(fs.readFileSync(LOG(), 'utf8')).toBe('mine\n');
    expect(err).toContain('is owned by uid 502, not root');
    fs.chownSync(LOG(), 0, WRITER);
    fs.chmodSync(LOG(), 0o664);
    err = '';
    logLine(HOSTILE);
    expect(fs.readFileSync(LOG(), 'utf8')).toBe('mine\n');
    expect(err).toContain('is writable by group 502');
  });

  it('a FIFO or a symbolic link at the name is neither waited on nor followed', () => {
    as(WRITER, 'import os,sys\nos.mkfifo(sys.argv[1], 0o666)', LOG());
    logLine(HOSTILE);
    expect(err).toContain('not a regular file');
    fs.unlinkSync(LOG());
    as(WRITER, 'import os,sys\nos.symlink(sys.argv[2], sys.argv[1])', LOG(), path.join(root, 'root/.bashrc'));
    err = '';
    logLine(HOSTILE);
    expect(err).toContain('ELOOP');
    expect(fs.readFileSync(path.join(root, 'root/.bashrc'), 'utf8')).toBe('# rc\n');
  });

  it('a directory on the way that is a link is not followed', () => {
    fs.renameSync(path.join(root, 'var/log'), path.join(root, 'var/log.real'));
    fs.symlinkSync('log.real', path.join(root, 'var/log'));
    logLine('x');
    expect(err).toMatch(/cannot write log file \/var\/log\/momentum-perms\.log: (ELOOP|ENOTDIR)/);
    expect(fs.readdirSync(path.join(root, 'var/log.real'))).toEqual([]);
  });

  it('an absent log is created root-only and appended to; the line is escaped, on one line', () => {
    logLine('one\nforged: line');
    logLine('two');
    const st = fs.statSync(LOG());
    expect([st.uid, st.gid, st.mode & 0o7777, st.nlink]).toEqual([0, 0, 0o640, 1]);
    expect(fs.readFileSync(LOG(), 'utf8')).toBe(
      `1970-01-01T00:00:00.000Z momentum-perms[${process.pid}]: err: one\\nforged: line\n` +
        `1970-01-01T00:00:00.000Z momentum-perms[${process.pid}]: err: two\n`,
    );
    expect(err).toBe('');
  });
});
