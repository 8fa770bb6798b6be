import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realFs } from '../../src/io/fs.js';
import { MAX_OPEN } from '../../src/walk/descriptors.js';
import { walk } from '../../src/walk/index.js';
import { collect, paths } from './helpers.js';
import { asRoot, tempDir } from '../support/root.js';

describe('walk on the real disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('walk').dir;
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'var/spool/ecelerity/A'), { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const host = (p: string): string => path.join(dir, p);

  it('reads every kind of entry by lstat alone: FIFO and socket without opening them, links not followed', async () => {
    fs.writeFileSync(host('var/spool/ecelerity/A/.dot'), 'x');
    fs.writeFileSync(host('var/spool/ecelerity/A/1.M'), 'x');
    fs.linkSync(host('var/spool/ecelerity/A/1.M'), host('var/spool/ecelerity/A/1.hard'));
    fs.symlinkSync('/etc', host('var/spool/ecelerity/etc-link'));
    fs.symlinkSync('/etc/shadow', host('var/spool/ecelerity/shadow-link'));
    // A FIFO opened for reading would block the walk forever: lstat must be all it gets.
    execFileSync('mkfifo', [host('var/spool/ecelerity/fifo')]);
    const server = net.createServer();
    await new Promise<void>((ok) => server.listen(host('var/spool/ecelerity/sock'), ok));
    try {
      const c = collect(realFs, dir, '/var/spool/ecelerity');
      const types = Object.fromEntries(c.entries.map((e) => [e.path, e.type]));
      expect(types).toEqual({
        '/var/spool/ecelerity': 'dir',
        '/var/spool/ecelerity/A': 'dir',
        '/var/spool/ecelerity/A/.dot': 'file',
        '/var/spool/ecelerity/A/1.M': 'file',
        '/var/spool/ecelerity/A/1.hard': 'file',
        '/var/spool/ecelerity/etc-link': 'symlink',
        '/var/spool/ecelerity/shadow-link': 'symlink',
        '/var/spool/ecelerity/fifo': 'fifo',
        '/var/spool/ecelerity/sock': 'socket',
      });
      expect(c.entries.find((e) => e.path.endsWith('/1.M'))?.nlink).toBe(2);
      expect(c.errors).toEqual([]);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('reports the device and inode lstat gives, and the same device for every entry of one filesystem', () => {
    fs.writeFileSync(host('var/spool/ecelerity/A/x'), '');
    const c = collect(realFs, dir, '/var/spool/ecelerity');
    const st = fs.lstatSync(host('var/spool/ecelerity/A/x'));
    expect(c.entries.find((e) => e.path.endsWith('/A/x'))).toMatchObject({ dev: st.dev, ino: st.ino });
    expect(new Set(c.entries.map((e) => e.dev)).size).toBe(1);
  });

  it('walks a tree of several levels without --root (paths are host paths then)', () => {
    fs.mkdirSync(host('var/spool/ecelerity/A/B/C'), { recursive: true });
    fs.writeFileSync(host('var/spool/ecelerity/A/B/C/deep'), '');
    const c = collect(realFs, '/', host('var/spool/ecelerity'));
    expect(paths(c)).toContain(host('var/spool/ecelerity/A/B/C/deep'));
    expect(c.entries.length).toBe(5);
  });

  // Root reads every directory, so EACCES cannot happen as root. The walk runs with the effective uid of
  // nobody (65534) around it: the kernel then refuses for real, and the real uid (0) lets us switch back.
  it.runIf(asRoot)('reports a directory the process may not read as an error and walks on', () => {
    fs.mkdirSync(host('var/spool/ecelerity/locked'), { mode: 0o700 });
    fs.writeFileSync(host('var/spool/ecelerity/locked/hidden'), '');
    fs.mkdirSync(host('var/spool/ecelerity/open'), { mode: 0o755 });
    fs.writeFileSync(host('var/spool/ecelerity/open/seen'), '');
    fs.chmodSync(host('var/spool/ecelerity/A'), 0o755);
    let c: ReturnType<typeof collect>;
    process.seteuid!(65534);
    try {
      c = collect(realFs, dir, '/var/spool/ecelerity');
    } finally {
      process.seteuid!(0);
    }
    expect(c.errors).toEqual([{ path: '/var/spool/ecelerity/locked', errno: 'EACCES' }]);
    expect(paths(c)).toEqual([
      '/var/spool/ecelerity',
      '/var/spool/ecelerity/A',
      '/var/spool/ecelerity/locked',
      '/var/spool/ecelerity/open',
      '/var/spool/ecelerity/open/seen',
    ]);
  });
  // A name that is not UTF-8 is examined by its exact bytes (listed as a Buffer, lstat'ed through its
  // directory's descriptor), reported as EILSEQ (status 3), and what lies below it is walked too.
  it('examines a name that is not valid UTF-8 by its bytes, reports it as an error, and walks below it', () => {
    fs.writeFileSync(Buffer.from(host('var/spool/ecelerity/A/') + 'bad\xff\xfe', 'latin1'), 'x');
    fs.writeFileSync(host('var/spool/ecelerity/A/good'), 'x');
    fs.mkdirSync(Buffer.from(host('var/spool/ecelerity/A/') + 'd\xff', 'latin1'));
    fs.writeFileSync(Buffer.from(host('var/spool/ecelerity/A/') + 'd\xff/inside', 'latin1'), 'x');
    const c = collect(realFs, dir, '/var/spool/ecelerity');
    expect(c.vanished).toBe(0);
    expect(c.errors.sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      { path: '/var/spool/ecelerity/A/bad\\xff\\xfe', errno: 'EILSEQ' },
      { path: '/var/spool/ecelerity/A/d\\xff', errno: 'EILSEQ' },
    ]);
    // The names themselves are errors, not entries (nothing can name them); what is below is walked.
    expect(paths(c)).toEqual(expect.arrayContaining(['/var/spool/ecelerity/A/good', '/var/spool/ecelerity/A/d\\xff/inside']));
    expect(paths(c).filter((p) => p.endsWith('\\xfe') || p.endsWith('\\xff'))).toEqual([]);
  });

  // The decoy: a symbolic link named with the literal U+FFFD next to a directory named with the byte 0xff.
  // A walk by decoded names finds the decoy where the directory is, and never sees the setuid file below it.
  it('is not fooled by a decoy named with U+FFFD next to a directory whose name is not UTF-8', () => {
    const a = host('var/spool/ecelerity/A/');
    fs.mkdirSync(Buffer.from(a + 'h\xff', 'latin1'), { mode: 0o777 });
    fs.writeFileSync(Buffer.from(a + 'h\xff/x', 'latin1'), '', { mode: 0o6777 });
    fs.chmodSync(Buffer.from(a + 'h\xff/x', 'latin1'), 0o6777);
    fs.symlinkSync('/nonexistent', a + 'h\ufffd');
    const c = collect(realFs, dir, '/var/spool/ecelerity');
    expect(c.errors).toEqual([{ path: '/var/spool/ecelerity/A/h\\xff', errno: 'EILSEQ' }]);
    const x = c.entries.find((e) => e.path === '/var/spool/ecelerity/A/h\\xff/x');
    expect(x).toMatchObject({ type: 'file', mode: 0o6777 });
    expect(c.entries.find((e) => e.path === '/var/spool/ecelerity/A/h\ufffd')?.type).toBe('symlink');
  });

  // The swap, made at the worst moment: the parent's listing has seen the directory (the visit callback is
  // called then), and it is replaced by a link to a directory outside the tree before it is listed.
  it('never follows a directory swapped for a link after the listing saw it: it is counted as vanished', () => {
    const outside = tempDir('walk-outside').dir;
    try {
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(outside, `host-file-${i}`), '');
      fs.mkdirSync(host('var/spool/ecelerity/A/sub'));
      fs.writeFileSync(host('var/spool/ecelerity/A/sub/msg'), '');
      const seen: string[] = [];
      let vanished = 0;
      walk(
        realFs,
        { dir },
        '/var/spool/ecelerity',
        { crossFilesystems: false },
        (e) => {
          seen.push(e.path);
          if (e.path === '/var/spool/ecelerity/A/sub') {
            fs.renameSync(host('var/spool/ecelerity/A/sub'), host('var/spool/ecelerity/moved'));
            fs.symlinkSync(outside, host('var/spool/ecelerity/A/sub'));
          }
        },
        () => {},
        () => void vanished++,
      );
      expect(seen.filter((p) => p.includes('host-file'))).toEqual([]);
      expect(seen).not.toContain('/var/spool/ecelerity/A/sub/msg');
      expect(vanished).toBe(1);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('counts a directory removed while it is being listed as vanished, not as an error (the spool does this all day)', () => {
    // More names than one batch holds (both paths), so that the directory is removed between two batches.
    fs.mkdirSync(host('var/spool/ecelerity/A/tmp'));
    for (let i = 0; i < 3000; i++) fs.writeFileSync(host(`var/spool/ecelerity/A/tmp/m${i}`), '');
    const errors: string[] = [];
    let vanished = 0;
    let removed = false;
    walk(
      realFs,
      { dir },
      '/var/spool/ecelerity',
      { crossFilesystems: false },
      (e) => {
        if (!removed && e.path.startsWith('/var/spool/ecelerity/A/tmp/')) {
          removed = true;
          fs.rmSync(host('var/spool/ecelerity/A/tmp'), { recursive: true });
        }
      },
      (p, errno) => errors.push(`${p} ${errno}`),
      () => void vanished++,
    );
    expect(removed).toBe(true);
    expect(errors).toEqual([]);
    expect(vanished).toBeGreaterThan(0);
  });

  it('does not reach a tree through a link on the way to it that another account could have made: an ELOOP error', () => {
    fs.mkdirSync(host('elsewhere/conf'), { recursive: true });
    fs.writeFileSync(host('elsewhere/conf/x'), '');
    fs.mkdirSync(host('opt/msys'), { recursive: true });
    fs.symlinkSync('/elsewhere', host('opt/msys/ecelerity'));
    // The directory holding the link is the service account's: it could have put the link there.
    fs.chownSync(host('opt/msys'), 500, 500);
    const c = collect(realFs, dir, '/opt/msys/ecelerity/conf');
    expect(c.entries).toEqual([]);
    expect(c.errors).toEqual([{ path: '/opt/msys/ecelerity/conf', errno: 'ELOOP' }]);
    // The tree's own root as a link: examined as the link, not entered (as before).
    const l = collect(realFs, dir, '/opt/msys/ecelerity');
    expect(l.entries.map((e) => [e.path, e.type])).toEqual([['/opt/msys/ecelerity', 'symlink']]);
  });

  it('follows a link on the way only root could have made (/var/run → /run), resolved under the root', () => {
    fs.mkdirSync(host('run'), { recursive: true });
    fs.writeFileSync(host('run/ecelerity.pid'), '1\n');
    fs.mkdirSync(host('var'), { recursive: true, mode: 0o755 });
    for (const target of ['../run', '/run']) {
      fs.rmSync(host('var/run'), { force: true });
      fs.symlinkSync(target, host('var/run'));
      const c = collect(realFs, dir, '/var/run/ecelerity.pid');
      expect(c.errors, target).toEqual([]);
      expect(c.entries.map((e) => [e.path, e.type])).toEqual([['/var/run/ecelerity.pid', 'file']]);
    }
    // The same link, but root's own is not enough when others can write its directory.
    fs.chmodSync(host('var'), 0o777);
    expect(collect(realFs, dir, '/var/run/ecelerity.pid').errors).toEqual([{ path: '/var/run/ecelerity.pid', errno: 'ELOOP' }]);
    fs.chmodSync(host('var'), 0o755);
    // A loop of links ends.
    fs.rmSync(host('var/run'));
    fs.symlinkSync('/var/run', host('var/run'));
    expect(collect(realFs, dir, '/var/run/ecelerity.pid').errors).toEqual([{ path: '/var/run/ecelerity.pid', errno: 'ELOOP' }]);
  });

  // Deeper than the descriptors kept open, with a waiting sibling at every level: those let go are opened
  // again from their nearest open ancestor; every entry is still found, and descriptors stay bounded.
  it('walks a tree deeper than MAX_OPEN with siblings at every level, with a bounded number of open descriptors', () => {
    const depth = MAX_OPEN * 2 + 10;
    let d = host('var/spool/ecelerity/A');
    for (let i = 0; i < depth; i++) {
      fs.mkdirSync(path.join(d, 's'));
      fs.writeFileSync(path.join(d, 's', 'f'), '');
      d = path.join(d, 'd');
      fs.mkdirSync(d);
    }
    const fdsBefore = fs.readdirSync('/proc/self/fd').length;
    let most = 0;
    let n = 0;
    const errors: string[] = [];
    walk(realFs, { dir }, '/var/spool/ecelerity', { crossFilesystems: false }, () => {
      if (++n % 50 === 0) most = Math.max(most, fs.readdirSync('/proc/self/fd').length - fdsBefore);
    }, (p, e) => errors.push(`${e} ${p}`), () => errors.push('vanished'));
    expect(errors).toEqual([]);
    // ecelerity, A, then per level: s, s/f, d.
    expect(n).toBe(2 + depth * 3);
    expect(most).toBeLessThanOrEqual(MAX_OPEN + 4);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(fdsBefore);
  });
});
