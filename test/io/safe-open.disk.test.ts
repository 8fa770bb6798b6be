/**
 * The trusted I/O primitives on the real disk: openSafe (one pinned inode, no link followed, the reason it
 * refused) and openJudged (the root-only verdict made on the descriptor the read uses), and the snapshot
 * and rules readers built on them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSafe } from '../../src/io/safe-open.js';
import { openJudged } from '../../src/io/trust.js';
import { loadSnapshot } from '../../src/snapshot/index.js';
import { ECUSER, file, mkdir, tempRoot, type TempRoot } from '../fix/helpers.js';

import { asRoot } from '../support/root.js';

let r: TempRoot;
beforeEach(() => {
  r = tempRoot();
  mkdir(r.h('/d'), 0, 0, 0o755);
});
afterEach(() => r.cleanup());

function close(x: { fd: number | null }): void {
  if (x.fd !== null) fs.closeSync(x.fd);
}

describe('openSafe', () => {
  it('opens a regular file for reading and says what fstat saw', () => {
    file(r.h('/d/f'), 0, 0, 0o644, 'hello');
    const got = openSafe(r.h('/d/f'), { want: 'file' });
    expect('fd' in got && fs.readFileSync(got.fd, 'utf8')).toBe('hello');
    if ('fd' in got) fs.closeSync(got.fd);
  });

  it('refuses a link where a file was expected, never following it', () => {
    file(r.h('/d/f'), 0, 0, 0o644);
    fs.symlinkSync(r.h('/d/f'), r.h('/d/l'));
    expect(openSafe(r.h('/d/l'), { want: 'file' })).toEqual({ refused: 'symlink' });
    const followed = openSafe(r.h('/d/l'), { want: 'file', follow: true });
    expect('fd' in followed).toBe(true);
    if ('fd' in followed) fs.closeSync(followed.fd);
  });

  it('refuses a FIFO without blocking, and a directory where a file was expected', () => {
    execFileSync('mkfifo', [r.h('/d/p')]);
    expect(openSafe(r.h('/d/p'), { want: 'file' })).toEqual({ refused: 'wrong-type', type: 'fifo' });
    expect(openSafe(r.h('/d'), { want: 'file' })).toEqual({ refused: 'wrong-type', type: 'dir' });
  });

  it('says missing, and too large on the pinned inode', () => {
    expect(openSafe(r.h('/d/none'), { want: 'any' })).toEqual({ refused: 'missing', errno: 'ENOENT' });
    file(r.h('/d/big'), 0, 0, 0o644, 'x'.repeat(100));
    expect(openSafe(r.h('/d/big'), { want: 'file', maxBytes: 10 })).toEqual({ refused: 'too-large', size: 100 });
  });

  it('pins anything with want any, a link included (O_PATH: no driver open, no FIFO block)', () => {
    fs.symlinkSync('/nowhere', r.h('/d/l'));
    const got = openSafe(r.h('/d/l'), { want: 'any' });
    expect('fd' in got && got.st.isSymbolicLink()).toBe(true);
    if ('fd' in got) fs.closeSync(got.fd);
  });
});

describe.skipIf(!asRoot)('openJudged: the trust check on the descriptor that is read', () => {
  it('a root-only file below root-only directories: trusted, and the text is that file', () => {
    file(r.h('/d/f'), 0, 0, 0o644, 'mine');
    const j = openJudged(r.h('/d/f'));
    expect(j.why).toBeNull();
    expect(j.fd !== null && fs.readFileSync(j.fd, 'utf8')).toBe('mine');
    close(j);
  });

  it('a file in a directory the service account can write: untrusted, still opened for a caller that only reports', () => {
    mkdir(r.h('/d/svc'), ECUSER, 0, 0o755);
    file(r.h('/d/svc/f'), 0, 0, 0o644, 'text');
    const j = openJudged(r.h('/d/svc/f'));
    expect(j.why).toMatch(/is in directory .*\/d\/svc which is owned by uid 500/);
    expect(j.fd !== null && fs.readFileSync(j.fd, 'utf8')).toBe('text');
    close(j);
  });

  it('a link in a directory the service account can write: untrusted (it could repoint it)', () => {
    mkdir(r.h('/d/svc'), ECUSER, 0, 0o755);
    file(r.h('/d/f'), 0, 0, 0o644);
    fs.symlinkSync(r.h('/d/f'), r.h('/d/svc/l'));
    const j = openJudged(r.h('/d/svc/l'));
    expect(j.why).toMatch(/svc which is owned by uid 500/);
    close(j);
  });

  it('a link in a root-only directory to a root-only file: followed and trusted', () => {
    file(r.h('/d/f'), 0, 0, 0o644, 'via link');
    fs.symlinkSync('f', r.h('/d/l'));
    const j = openJudged(r.h('/d/l'));
    expect([j.why, j.fd !== null && fs.readFileSync(j.fd, 'utf8')]).toEqual([null, 'via link']);
    close(j);
  });

  it('missing, a FIFO and a directory: nothing opened, and why', () => {
    execFileSync('mkfifo', [r.h('/d/p')]);
    expect(openJudged(r.h('/d/none'))).toMatchObject({ fd: null, errno: 'ENOENT' });
    expect(openJudged(r.h('/d/p'))).toMatchObject({ fd: null, why: 'is not a regular file', type: 'fifo' });
    expect(openJudged(r.h('/d'))).toMatchObject({ fd: null, why: 'is not a regular file', type: 'dir' });
  });
});

describe.skipIf(!asRoot)('loadSnapshot as root', () => {
  it('refuses a snapshot in a directory the service account can write (MP302), before reading it', async () => {
    mkdir(r.h('/d/svc'), ECUSER, 0, 0o755);
    file(r.h('/d/svc/s.snap'), 0, 0, 0o600, 'not even a snapshot');
    await expect(loadSnapshot('/d/svc/s.snap', r.dir)).rejects.toMatchObject({ code: 'MP302', message: expect.stringMatching(/svc which is owned by uid 500, not root: not trusted/) });
  });

  it('says there is none when there is none', async () => {
    await expect(loadSnapshot('/d/none.snap', r.dir)).rejects.toMatchObject({ code: 'MP302', message: expect.stringMatching(/^no snapshot at \/d\/none\.snap/) });
  });
});
