/** The lock: one fix or undo at a time, stale locks taken over, live holders named. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMpError } from '../../src/errors.js';
import { acquireLock, holderAlive, parseLock, processStart } from '../../src/io/lock.js';
import { openState, type StateDir } from '../../src/io/state.js';
import { makeRoot } from '../../src/io/fs.js';
import { tempRoot, type TempRoot } from './helpers.js';

let r: TempRoot;
let st: StateDir;
beforeEach(() => {
  r = tempRoot();
  st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
});
afterEach(() => {
  st.close();
  r.cleanup();
});

const lockFile = (): string => r.h('/var/lib/momentum-perms/lock');

function deadPid(): number {
  const p = spawnSync('true');
  return p.pid as number;
}

describe('lock', () => {
  it('is a root-only file holding the pid and is removed on release', () => {
    const l = acquireLock(st.state);
    const s = fs.statSync(lockFile());
    expect([s.uid, s.mode & 0o777]).toEqual([0, 0o600]);
    expect(parseLock(fs.readFileSync(lockFile(), 'utf8'))?.pid).toBe(process.pid);
    l.release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('refuses with MP301 naming a live holder', async () => {
    const child = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(lockFile(), `${child.pid} ${processStart(child.pid as number)}\n`, { mode: 0o600 });
      let err: unknown;
      try {
        acquireLock(st.state);
      } catch (e) {
        err = e;
      }
      expect(isMpError(err) && err.code).toBe('MP301');
      expect((err as Error).message).toContain(`pid ${child.pid}`);
      expect(fs.readFileSync(lockFile(), 'utf8')).toContain(String(child.pid));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock whose process is gone', () => {
    fs.writeFileSync(lockFile(), `${deadPid()}\n`, { mode: 0o600 });
    const l = acquireLock(st.state);
    expect(parseLock(fs.readFileSync(lockFile(), 'utf8'))?.pid).toBe(process.pid);
    l.release();
    expect(fs.readdirSync(r.h('/var/lib/momentum-perms'))).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', () => {
    fs.writeFileSync(lockFile(), `1 999999999999\n`, { mode: 0o600 });
    expect(holderAlive(1, '999999999999')).toBe(false);
    acquireLock(st.state).release();
  });

  it('refuses a second acquisition while held, and allows one after release', () => {
    const l = acquireLock(st.state);
    // The same pid in the file would be taken for a leftover, so the holder is made to look like pid 1 (init).
    fs.writeFileSync(lockFile(), `1 ${processStart(1)}\n`);
    expect(() => acquireLock(st.state)).toThrow(/pid 1/);
    fs.unlinkSync(lockFile());
    l.release();
    acquireLock(st.state).release();
  });

  it('never follows a link planted as the lock', () => {
    fs.writeFileSync(r.h('/victim'), 'keep\n');
    fs.symlinkSync(r.h('/victim'), lockFile());
    expect(() => acquireLock(st.state)).toThrow();
    expect(fs.readFileSync(r.h('/victim'), 'utf8')).toBe('keep\n');
  });

  it('parses what it writes', () => {
    expect(parseLock('123 456\n')).toEqual({ pid: 123, start: '456' });
    expect(parseLock('123\n')).toEqual({ pid: 123, start: null });
    expect(parseLock('')).toBeNull();
    expect(parseLock('x')).toBeNull();
  });
});
