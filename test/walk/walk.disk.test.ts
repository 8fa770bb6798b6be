import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realFs } from '../../src/io/fs.js';
import { collect, paths } from './helpers.js';

const asRoot = process.getuid?.() === 0;

describe('walk on the real disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-walk-'));
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
  // Node decodes a name that is not UTF-8 lossily (bytes become U+FFFD), so lstat of the decoded name
  // finds nothing. Counting that as "vanished" would leave the entry (or a whole directory) unexamined
  // while the audit reports success.
  it('reports a name that is not valid UTF-8 as an error, not as vanished', () => {
    fs.writeFileSync(Buffer.from(host('var/spool/ecelerity/A/') + 'bad\xff\xfe', 'latin1'), 'x');
    fs.writeFileSync(host('var/spool/ecelerity/A/good'), 'x');
    const c = collect(realFs, dir, '/var/spool/ecelerity');
    expect(c.vanished).toBe(0);
    expect(c.errors).toEqual([{ path: '/var/spool/ecelerity/A/bad\ufffd\ufffd', errno: 'EILSEQ' }]);
    expect(paths(c)).toContain('/var/spool/ecelerity/A/good');
  });
});
