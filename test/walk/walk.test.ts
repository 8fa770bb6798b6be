import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FsLike } from '../../src/io/fs.js';
import { collect, memFs, paths } from './helpers.js';

describe('walk on memfs', () => {
  it('emits the tree root and every entry below it, dotfiles included, with Momentum paths', () => {
    const { fs } = memFs({
      '/r/var/spool/ecelerity/A/.hidden': 'x',
      '/r/var/spool/ecelerity/A/1.M': 'x',
      '/r/var/spool/ecelerity/.Folder/x': 'x',
      '/r/var/spool/other': 'not in the tree',
    });
    const c = collect(fs, '/r', '/var/spool/ecelerity');
    expect(paths(c)).toEqual([
      '/var/spool/ecelerity',
      '/var/spool/ecelerity/.Folder',
      '/var/spool/ecelerity/.Folder/x',
      '/var/spool/ecelerity/A',
      '/var/spool/ecelerity/A/.hidden',
      '/var/spool/ecelerity/A/1.M',
    ]);
    expect(c.errors).toEqual([]);
    expect(c.vanished).toBe(0);
    const root = c.entries.find((e) => e.path === '/var/spool/ecelerity');
    expect(root?.type).toBe('dir');
    expect(c.parents[c.entries.indexOf(root!)]).toBe('/var/spool');
  });

  it('passes each entry its directory, and the entries of one directory come together', () => {
    const { fs } = memFs({ '/t/a/1': '', '/t/a/2': '', '/t/a/b/3': '', '/t/a/b/4': '', '/t/c/5': '' });
    const c = collect(fs, '/', '/t');
    c.entries.forEach((e, i) => expect(c.parents[i]).toBe(e.path === '/t' ? '/' : e.path.slice(0, e.path.lastIndexOf('/'))));
    // Once the walk leaves a directory it never comes back to it.
    const done = new Set<string>();
    let current = '';
    for (const p of c.parents) {
      if (p !== current) {
        expect(done.has(p)).toBe(false);
        done.add(current);
        current = p;
      }
    }
  });

  it('never follows a symbolic link, to a directory or as the tree root', () => {
    const { fs, raw } = memFs({ '/t/f': 'x', '/elsewhere/secret': 'x' });
    raw.symlinkSync('/elsewhere', '/t/link');
    raw.symlinkSync('/elsewhere', '/linked-tree');
    const c = collect(fs, '/', '/t');
    expect(paths(c)).toEqual(['/t', '/t/f', '/t/link']);
    expect(c.entries.find((e) => e.path === '/t/link')?.type).toBe('symlink');
    const l = collect(fs, '/', '/linked-tree');
    expect(l.entries.map((e) => [e.path, e.type])).toEqual([['/linked-tree', 'symlink']]);
  });

  it('skips a tree that does not exist without an error', () => {
    const { fs } = memFs({ '/opt/msys/ecelerity/bin/ec_ctl': 'x' });
    const c = collect(fs, '/', '/opt/msys/jlog');
    expect(c).toEqual({ entries: [], parents: [], errors: [], vanished: 0 });
  });

  it('reports the uid, gid, permission bits and link count lstat gives', () => {
    const { fs, raw } = memFs({ '/t/f': 'x' });
    raw.chownSync('/t/f', 500, 501);
    raw.chmodSync('/t/f', 0o4750);
    raw.linkSync('/t/f', '/t/g');
    const f = collect(fs, '/', '/t').entries.find((e) => e.path === '/t/f');
    expect(f).toMatchObject({ type: 'file', uid: 500, gid: 501, mode: 0o4750, nlink: 2 });
  });

  it('counts an entry removed between readdir and lstat as vanished, not as an error', () => {
    const { fs, raw } = memFs({ '/t/d/keep': '', '/t/d/gone': '' });
    // The directory listing hands out a name, then the file disappears before it is lstat'ed.
    const racing: FsLike = {
      ...fs,
      lstatSync: fs.lstatSync.bind(fs),
      opendirSync(p: string) {
        const d = fs.opendirSync(p);
        return {
          readSync() {
            const e = d.readSync();
            if (e?.name === 'gone') raw.unlinkSync(`${p}/gone`);
            return e;
          },
          closeSync: () => d.closeSync(),
        };
      },
    } as FsLike;
    const c = collect(racing, '/', '/t');
    expect(paths(c)).toEqual(['/t', '/t/d', '/t/d/keep']);
    expect(c.vanished).toBe(1);
    expect(c.errors).toEqual([]);
  });

  it('counts a directory removed or replaced by a file before it is listed as vanished', () => {
    const { fs, raw } = memFs({ '/t/gone/x': '', '/t/replaced/y': '', '/t/z': '' });
    const racing = {
      ...fs,
      opendirSync(p: string) {
        if (p === '/t/gone') raw.rmSync('/t/gone', { recursive: true });
        if (p === '/t/replaced') {
          raw.rmSync('/t/replaced', { recursive: true });
          raw.writeFileSync('/t/replaced', 'now a file');
        }
        return fs.opendirSync(p);
      },
    } as FsLike;
    const c = collect(racing, '/', '/t');
    expect(paths(c)).toEqual(['/t', '/t/gone', '/t/replaced', '/t/z']);
    expect(c.vanished).toBe(2);
    expect(c.errors).toEqual([]);
  });

  it('reports an unreadable directory as an error and walks on', () => {
    // memfs checks permission bits even for root, which the real disk does not: here EACCES is real.
    const { fs, raw } = memFs({ '/t/locked/inside': '', '/t/open/a': '', '/t/z': '' });
    raw.chmodSync('/t/locked', 0o000);
    const c = collect(fs, '/', '/t');
    expect(c.errors).toEqual([{ path: '/t/locked', errno: 'EACCES' }]);
    expect(paths(c)).toEqual(['/t', '/t/locked', '/t/open', '/t/open/a', '/t/z']);
  });

  it('reports an entry whose lstat fails for another reason than vanishing as an error', () => {
    const { fs } = memFs({ '/t/a': '', '/t/b': '' });
    const failing = {
      ...fs,
      lstatSync(p: string, o?: { throwIfNoEntry?: boolean }) {
        if (p === '/t/a') throw Object.assign(new Error('io'), { code: 'EIO' });
        return fs.lstatSync(p, o);
      },
    } as FsLike;
    const c = collect(failing, '/', '/t');
    expect(c.errors).toEqual([{ path: '/t/a', errno: 'EIO' }]);
    expect(paths(c)).toEqual(['/t', '/t/b']);
  });

  describe('filesystem boundaries (memfs has one device: the device number is faked per path)', () => {
    const onDevice = (fs: FsLike, mounts: Record<string, number>): FsLike =>
      ({
        ...fs,
        lstatSync(p: string, o?: { throwIfNoEntry?: boolean }) {
          const st = fs.lstatSync(p, o);
          if (st === undefined) return st;
          const m = Object.keys(mounts).find((k) => p === k || p.startsWith(k + '/'));
          return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as Stats, st, { dev: m ? mounts[m] : 1 });
        },
      }) as FsLike;

    it('visits a directory on another device but does not enter it', () => {
      const { fs } = memFs({ '/t/mnt/deep': '', '/t/local/x': '' });
      const c = collect(onDevice(fs, { '/t/mnt': 2 }), '/', '/t');
      expect(paths(c)).toEqual(['/t', '/t/local', '/t/local/x', '/t/mnt']);
    });

    it('enters it with crossFilesystems', () => {
      const { fs } = memFs({ '/t/mnt/deep': '', '/t/local/x': '' });
      const c = collect(onDevice(fs, { '/t/mnt': 2 }), '/', '/t', { crossFilesystems: true });
      expect(paths(c)).toEqual(['/t', '/t/local', '/t/local/x', '/t/mnt', '/t/mnt/deep']);
    });
  });

  it('does not loop when a directory is its own ancestor (a bind mount), and says so', () => {
    const { fs } = memFs({ '/t/a/b/c': '' });
    const ino = fs.lstatSync('/t/a')?.ino;
    const looped = {
      ...fs,
      lstatSync(p: string, o?: { throwIfNoEntry?: boolean }) {
        const st = fs.lstatSync(p, o);
        return p === '/t/a/b' && st ? Object.assign(Object.create(Object.getPrototypeOf(st) as object) as Stats, st, { ino }) : st;
      },
    } as FsLike;
    const c = collect(looped, '/', '/t');
    expect(c.errors).toEqual([{ path: '/t/a/b', errno: 'ELOOP' }]);
    expect(paths(c)).toEqual(['/t', '/t/a', '/t/a/b']);
  });
});
