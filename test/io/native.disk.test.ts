/**
 * The native helpers (native/fsat.c) against the real filesystem, as root, in a temporary directory: each
 * call gives what the kernel says through Node's own calls, follows nothing, and refuses a name that would
 * name something else. The walk gives the same entries on both paths.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errnoName, nativeFs, statOf, useNative, type NativeFs } from '../../src/io/native.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { walk } from '../../src/walk/index.js';
import { ENTRY_FLAGS } from '../../src/fix/access.js';
import { asRoot, tempDir } from '../support/root.js';
import { setAcl } from '../support/acl.js';

const DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
let tmp: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir: tmp, cleanup } = tempDir('native'));
});
afterEach(() => {
  useNative(true);
  cleanup();
});

describe.runIf(asRoot && nativeFs() !== null)('native helpers', () => {
  const n = (): NativeFs => nativeFs() as NativeFs;
  const nums = (): Float64Array => new Float64Array(6);

  describe('aclWrite', () => {
    const ask = (p: string, flags = fs.constants.O_RDONLY): number => {
      const fd = fs.openSync(p, flags);
      try {
        return (n().aclWrite as (fd: number) => number)(fd);
      } finally {
        fs.closeSync(fd);
      }
    };
    const f = (name: string): string => {
      fs.writeFileSync(`${tmp}/${name}`, 'x', { mode: 0o664 });
      return `${tmp}/${name}`;
    };

    it('says 1 only for a named user or group other than root with write, whatever the mask', () => {
      expect(ask(f('none'))).toBe(0);
      setAcl(f('user'), { users: [[500, 7]] });
      expect(ask(`${tmp}/user`)).toBe(1);
      setAcl(f('group'), { groups: [[500, 6]] });
      expect(ask(`${tmp}/group`)).toBe(1);
      // Root's own entries, and others' without write, give nobody else write.
      setAcl(f('rootonly'), { users: [[0, 7]], groups: [[0, 7], [500, 5]] });
      expect(ask(`${tmp}/rootonly`)).toBe(0);
      // A mask without write keeps a named writer from writing only until a chmod sets it again: still 1.
      setAcl(f('masked'), { users: [[500, 7]], mask: 5 });
      expect(fs.statSync(`${tmp}/masked`).mode & 0o070).toBe(0o050);
      expect(ask(`${tmp}/masked`)).toBe(1);
    });

    it('reads through an O_PATH pin, which fgetxattr refuses; a bad descriptor is thrown', () => {
      setAcl(f('pinned'), { users: [[500, 6]] });
      expect(ask(`${tmp}/pinned`, 0o10000000 | fs.constants.O_NOFOLLOW)).toBe(1);
      expect(() => (n().aclWrite as (fd: number) => number)(1 << 20)).toThrow();
    });
  });

  function tree(): number {
    fs.mkdirSync(`${tmp}/d`);
    fs.writeFileSync(`${tmp}/d/file`, 'x', { mode: 0o640 });
    fs.chownSync(`${tmp}/d/file`, 500, 501);
    fs.symlinkSync('/etc/shadow', `${tmp}/d/link`);
    fs.mkdirSync(`${tmp}/d/sub`);
    fs.writeFileSync(Buffer.from(`${tmp}/d/caf\xe9`, 'latin1'), '');
    fs.linkSync(`${tmp}/d/file`, `${tmp}/d/hard`);
    return fs.openSync(`${tmp}/d`, DIR);
  }

  it('lists a directory and examines each name as lstat does, non-UTF-8 names as their exact bytes', () => {
    const fd = tree();
    try {
      const num = new Float64Array(n().MAX_BATCH * 6);
      const errs = new Int32Array(n().MAX_BATCH);
      const seen = new Map<string, number[]>();
      for (let names = n().listBatch(fd, num, errs); names.length > 0; names = n().listBatch(fd, num, errs)) {
        names.forEach((name, i) => {
          expect(errs[i]).toBe(0);
          const key = typeof name === 'string' ? name : `bytes:${name.toString('hex')}`;
          seen.set(key, Array.from(num.subarray(i * 6, i * 6 + 6)));
        });
      }
      expect([...seen.keys()].sort()).toEqual(['bytes:636166e9', 'file', 'hard', 'link', 'sub']);
      for (const name of ['file', 'hard', 'link', 'sub']) {
        const st = fs.lstatSync(`${tmp}/d/${name}`);
        expect(seen.get(name), name).toEqual([st.mode, st.uid, st.gid, st.dev, st.ino, st.nlink]);
      }
      // The end of the listing stays the end.
      expect(n().listBatch(fd, num, errs)).toEqual([]);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('lists a directory of thousands of entries in batches (two threads share the examining), none lost or repeated', () => {
    fs.mkdirSync(`${tmp}/big`);
    for (let i = 0; i < 5000; i++) fs.writeFileSync(`${tmp}/big/m${i}`, '', { mode: i % 2 ? 0o640 : 0o600 });
    const fd = fs.openSync(`${tmp}/big`, DIR);
    try {
      const num = new Float64Array(n().MAX_BATCH * 6);
      const errs = new Int32Array(n().MAX_BATCH);
      const got = new Map<string, number>();
      let batches = 0;
      for (let names = n().listBatch(fd, num, errs); names.length > 0; names = n().listBatch(fd, num, errs)) {
        batches++;
        names.forEach((name, i) => {
          expect(got.has(name as string)).toBe(false);
          got.set(name as string, num[i * 6] as number);
        });
      }
      expect(batches).toBeGreaterThan(1);
      expect(got.size).toBe(5000);
      for (let i = 0; i < 5000; i++) expect(got.get(`m${i}`)).toBe(fs.lstatSync(`${tmp}/big/m${i}`).mode);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('opens relative to the directory descriptor and follows no link', () => {
    const fd = tree();
    try {
      // The directory is renamed away and a link to / put in its place: lookups stay in the inode held.
      fs.renameSync(`${tmp}/d`, `${tmp}/d.old`);
      fs.symlinkSync('/', `${tmp}/d`);
      const out = nums();
      const pins = new Int32Array(2);
      const pinned = new Float64Array(12);
      const perr = new Int32Array(2);
      n().pinBatch(fd, ['file', 'etc'], ENTRY_FLAGS, pins, pinned, perr);
      expect(perr[0]).toBe(0);
      expect(pinned[4]).toBe(fs.lstatSync(`${tmp}/d.old/file`).ino);
      n().close(pins[0] as number);
      expect(errnoName(perr[1] as number)).toBe('ENOENT');
      // O_DIRECTORY|O_NOFOLLOW on a link: refused, never followed.
      expect(() => n().openat(fd, 'link', DIR)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
      // O_PATH|O_NOFOLLOW pins the link itself.
      const l = n().openat(fd, 'link', ENTRY_FLAGS);
      n().fstat(l, out);
      expect(out[0]! & 0o170000).toBe(0o120000);
      n().close(l);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('refuses a name with a slash or a NUL, which would name something else than the caller checked', () => {
    const fd = tree();
    try {
      for (const bad of ['sub/../file', 'a\0b', Buffer.from('x/y')]) {
        expect(() => n().openat(fd, bad, ENTRY_FLAGS)).toThrow(TypeError);
        expect(() => n().pinBatch(fd, [bad as string], ENTRY_FLAGS, new Int32Array(1), new Float64Array(6), new Int32Array(1))).toThrow(TypeError);
      }
      const fds = new Int32Array(2).fill(-1);
      expect(() => n().pinBatch(fd, ['file', '../etc'], ENTRY_FLAGS, fds, new Float64Array(12), new Int32Array(2))).toThrow(TypeError);
      // Nothing was opened for the good name either.
      expect(Array.from(fds)).toEqual([-1, -1]);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('pins a batch of names, and changes each pinned inode: a link itself, never what it points to', () => {
    const fd = tree();
    const shadowBefore = fs.statSync('/etc/shadow');
    try {
      const names = ['file', 'link', 'gone', 'sub'];
      const fds = new Int32Array(names.length);
      const num = new Float64Array(names.length * 6);
      const errs = new Int32Array(names.length);
      n().pinBatch(fd, names, ENTRY_FLAGS, fds, num, errs);
      expect(errnoName(errs[2] as number)).toBe('ENOENT');
      expect(fds[2]).toBe(-1);
      expect(num[4]).toBe(fs.lstatSync(`${tmp}/d/file`).ino);
      expect((num[6] as number) & 0o170000).toBe(0o120000);
      // Swap the names after pinning: the change reaches the pinned inodes, not what the names now are.
      fs.renameSync(`${tmp}/d/file`, `${tmp}/d/file.old`);
      fs.writeFileSync(`${tmp}/d/file`, 'decoy', { mode: 0o600 });
      const keep = [0, 1, 3];
      const spec = new Float64Array([600, 601, 0o604, 3, 700, 701, 0, 1, 800, 801, 0o750, 3]);
      const out = new Float64Array(keep.length * 6);
      const cerrs = new Int32Array(keep.length);
      n().changeStart(Int32Array.from(keep.map((i) => fds[i] as number)), spec, keep.length);
      expect(n().changeWait(out, cerrs)).toBe(keep.length);
      expect(Array.from(cerrs)).toEqual([0, 0, 0]);
      const f = fs.lstatSync(`${tmp}/d/file.old`);
      expect([f.uid, f.gid, f.mode & 0o7777]).toEqual([600, 601, 0o604]);
      expect([out[1], out[2], out[0]! & 0o7777]).toEqual([600, 601, 0o604]);
      const decoy = fs.lstatSync(`${tmp}/d/file`);
      expect([decoy.uid, decoy.mode & 0o7777]).toEqual([0, 0o600]);
      const l = fs.lstatSync(`${tmp}/d/link`);
      expect([l.uid, l.gid]).toEqual([700, 701]);
      const shadow = fs.statSync('/etc/shadow');
      expect([shadow.uid, shadow.gid, shadow.mode]).toEqual([shadowBefore.uid, shadowBefore.gid, shadowBefore.mode]);
      const s = fs.lstatSync(`${tmp}/d/sub`);
      expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([800, 801, 0o750]);
      // The batch closed every descriptor it was given.
      for (const i of keep) expect(() => fs.fstatSync(fds[i] as number)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('refuses NaN, fractions and out-of-range numbers (never coerced: NaN as an id would be root), and every flag that is not a look', () => {
    const fd = tree();
    try {
      const p = n().openat(fd, 'file', ENTRY_FLAGS);
      const change = (spec: number[]) => () => n().changeStart(Int32Array.of(p), Float64Array.from(spec), 1);
      for (const [uid, gid] of [[NaN, NaN], [-1, 5], [1000.7, 5], [5, 2 ** 32 + 7], [5, 2 ** 32 - 1]]) {
        expect(change([uid as number, gid as number, 0o640, 1]), `${uid}:${gid}`).toThrow(TypeError);
      }
      for (const mode of [NaN, 420.9, -1, 0o10000]) expect(change([500, 501, mode, 2]), String(mode)).toThrow(TypeError);
      for (const bad of [NaN, -1, fd + 0.5, 2 ** 32 + fd]) expect(() => n().openat(bad, 'file', ENTRY_FLAGS), String(bad)).toThrow(TypeError);
      const st = fs.fstatSync(p);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([500, 501, 0o640]);
      n().close(p);
      // Only looks: O_CREAT, O_WRONLY, O_TRUNC are refused; O_NOFOLLOW is added whatever the caller passed.
      for (const flags of [fs.constants.O_CREAT, fs.constants.O_WRONLY, fs.constants.O_TRUNC]) {
        expect(() => n().openat(fd, 'new', flags)).toThrow(TypeError);
      }
      expect(fs.existsSync(`${tmp}/d/new`)).toBe(false);
      expect(() => n().openat(fd, 'link', fs.constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ELOOP' }));
      // The directory itself and its parent are never an entry.
      for (const name of ['', '.', '..']) expect(() => n().openat(fd, name, DIR), JSON.stringify(name)).toThrow(TypeError);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('changes a batch on the helper thread while the caller pins another (which the helper may join between two of its changes), one batch at a time', () => {
    fs.mkdirSync(`${tmp}/many`);
    // A pinning that may outlast the change batch: the helper then takes chunks of it. Below 1,024 descriptors
    // in all (a common limit).
    const names = Array.from({ length: 950 }, (_, i) => `f${i}`);
    for (const name of names) fs.writeFileSync(`${tmp}/many/${name}`, '', { mode: 0o600 });
    const top = fs.openSync(tmp, DIR);
    const dir = n().openat(top, 'many', DIR);
    fs.closeSync(top);
    const pin = (list: string[]): Int32Array => {
      const fds = new Int32Array(list.length);
      const errs = new Int32Array(list.length);
      n().pinBatch(dir, list, ENTRY_FLAGS, fds, new Float64Array(list.length * 6), errs);
      expect(Array.from(errs).every((e) => e === 0)).toBe(true);
      return fds;
    };
    try {
      expect(() => n().changeWait(new Float64Array(6), new Int32Array(1))).toThrow(TypeError);
      const first = names.slice(0, 400);
      const fds = pin(first);
      // Item i gets uid 1000 + i: each result must land at its own index, whichever thread made it.
      const spec = new Float64Array(first.flatMap((_, i) => [1000 + i, 2000, 0o640, 3]));
      n().changeStart(fds, spec, first.length);
      expect(() => n().changeStart(Int32Array.of(0), Float64Array.of(0, 0, 0o644, 2), 1)).toThrow(/still running/);
      // Meanwhile: a batch shared with the busy helper, which may join it between two changes; each result
      // at its own index, whichever thread made it.
      const rest = names.slice(400);
      const more = pin(rest);
      for (let i = 0; i < rest.length; i++) expect(fs.fstatSync(more[i] as number).ino).toBe(fs.lstatSync(`${tmp}/many/${rest[i]}`).ino);
      for (const fd of more) n().close(fd);
      const out = new Float64Array(first.length * 6);
      const errs = new Int32Array(first.length);
      expect(n().changeWait(out, errs)).toBe(first.length);
      expect(() => n().changeWait(out, errs)).toThrow(TypeError);
      for (let i = 0; i < first.length; i++) {
        expect(errs[i]).toBe(0);
        expect([out[i * 6 + 1], out[i * 6 + 2], (out[i * 6] as number) & 0o7777]).toEqual([1000 + i, 2000, 0o640]);
        const st = fs.lstatSync(`${tmp}/many/${first[i]}`);
        expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1000 + i, 2000, 0o640]);
        expect(() => fs.fstatSync(fds[i] as number)).toThrow(expect.objectContaining({ code: 'EBADF' }));
      }
      for (const name of rest) expect(fs.lstatSync(`${tmp}/many/${name}`).uid).toBe(0);
    } finally {
      n().close(dir);
    }
  });

  // The helper thread exists only with two CPUs or more and MOMENTUM_PERMS_THREADS unset: pinOpen answers false without it.
  const helper = os.availableParallelism() >= 2 && process.env.MOMENTUM_PERMS_THREADS === undefined;
  describe.runIf(helper)('a group posted ahead (pinOpen, pinPost, pinTake)', () => {
    const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;
    const take = (count: number): { fds: Int32Array; nums: Float64Array; errs: Int32Array; got: number } => {
      const fds = new Int32Array(Math.max(1, count));
      const nums = new Float64Array(Math.max(1, count) * 6);
      const errs = new Int32Array(Math.max(1, count));
      const got = (n().pinTake as NonNullable<NativeFs['pinTake']>)(fds, nums, errs);
      return { fds, nums, errs, got };
    };
    afterEach(() => {
      // A test that failed with its group open: ended, what it opened closed, for the next.
      const left = take(64);
      for (let i = 0; i < left.got; i++) if ((left.fds[i] as number) >= 0) n().close(left.fds[i] as number);
    });

    it('pins each name as pinBatch does, in the directory the group was opened in, whatever the caller\'s descriptor names later', () => {
      const fd = tree();
      fs.mkdirSync(`${tmp}/other`);
      fs.writeFileSync(`${tmp}/other/late`, '');
      fs.writeFileSync(`${tmp}/d/late`, '', { mode: 0o604 });
      const names = ['file', 'link', 'gone', 'sub', Buffer.from('caf\xe9', 'latin1') as unknown as string];
      const want = { fds: new Int32Array(names.length), nums: new Float64Array(names.length * 6), errs: new Int32Array(names.length) };
      n().pinBatch(fd, names, ENTRY_FLAGS, want.fds, want.nums, want.errs);
      for (const x of want.fds) if (x >= 0) n().close(x);
      expect(n().pinOpen?.(fd, ENTRY_FLAGS, 10)).toBe(true);
      for (const name of names) n().pinPost?.(name);
      // The caller's descriptor closed, its number given to another directory holding a name of the same kind: a
      // name posted now is still looked up where the group was opened (the group's own duplicate).
      fs.closeSync(fd);
      const again = fs.openSync(`${tmp}/other`, DIR);
      try {
        expect(again).toBe(fd);
        n().pinPost?.('late');
        const got = take(names.length + 1);
        expect(got.got).toBe(names.length + 1);
        expect(Array.from(got.errs)).toEqual([...Array.from(want.errs), 0]);
        // The numbers of each name pinned (a name not pinned has none).
        for (let i = 0; i < names.length; i++) if (want.errs[i] === 0) expect(Array.from(got.nums.subarray(i * 6, i * 6 + 6)), String(names[i])).toEqual(Array.from(want.nums.subarray(i * 6, i * 6 + 6)));
        expect(got.nums[names.length * 6 + 4]).toBe(fs.lstatSync(`${tmp}/d/late`).ino);
        expect((got.nums[6] as number) & 0o170000).toBe(0o120000);
        expect(got.fds[2]).toBe(-1);
        // The descriptors are the caller's now: each open, on the inode it names.
        for (let i = 0; i < got.got; i++) {
          if (i === 2) continue;
          expect(fs.fstatSync(got.fds[i] as number).ino).toBe(got.nums[i * 6 + 4]);
          n().close(got.fds[i] as number);
        }
      } finally {
        fs.closeSync(again);
      }
    });

    it('refuses a bad name (nothing added), a name past its room, a second group, a post with none open; gives 0 with none open', () => {
      const fd = tree();
      const open = fdCount();
      try {
        expect(() => n().pinPost?.('file')).toThrow(/no group open/);
        expect(take(0).got).toBe(0);
        for (const room of [0, -1, 1.5, 2 ** 21]) expect(() => n().pinOpen?.(fd, ENTRY_FLAGS, room), String(room)).toThrow(TypeError);
        expect(() => n().pinOpen?.(fd, fs.constants.O_CREAT, 2)).toThrow(TypeError);
        expect(n().pinOpen?.(fd, ENTRY_FLAGS, 2)).toBe(true);
        expect(() => n().pinOpen?.(fd, ENTRY_FLAGS, 2)).toThrow(/a group is open/);
        for (const bad of ['', '.', '..', 'sub/../file', 'a\0b', Buffer.from('x/y')]) expect(() => n().pinPost?.(bad as string), JSON.stringify(String(bad))).toThrow(TypeError);
        n().pinPost?.('file');
        n().pinPost?.('sub');
        expect(() => n().pinPost?.('link')).toThrow(/full/);
        const got = take(2);
        expect(got.got).toBe(2);
        expect(Array.from(got.errs)).toEqual([0, 0]);
        for (const x of got.fds) n().close(x);
        // Nothing is left open: neither the group's duplicate of the directory nor a pin.
        expect(fdCount()).toBe(open);
        expect(take(0).got).toBe(0);
      } finally {
        fs.closeSync(fd);
      }
    });

    it('given arrays too short, closes everything the group opened and throws; the next group opens', () => {
      const fd = tree();
      const open = fdCount();
      try {
        expect(n().pinOpen?.(fd, ENTRY_FLAGS, 4)).toBe(true);
        for (const name of ['file', 'sub', 'hard']) n().pinPost?.(name);
        expect(() => n().pinTake?.(new Int32Array(2), new Float64Array(18), new Int32Array(3))).toThrow(/too short/);
        expect(fdCount()).toBe(open);
        expect(n().pinOpen?.(fd, ENTRY_FLAGS, 1)).toBe(true);
        expect(take(0).got).toBe(0);
        expect(fdCount()).toBe(open);
      } finally {
        fs.closeSync(fd);
      }
    });

    it('one group in the process: another thread is told no while one is open; a thread gone with its group open closes what it opened and gives it back', async () => {
      const fd = tree();
      const addon = path.resolve('dist/native/fsat.node');
      const worker = (leave: boolean): Promise<unknown> =>
        new Promise((resolve, reject) => {
          const code = `
            const { parentPort } = require('node:worker_threads');
            const fs = require('node:fs');
            const n = require(${JSON.stringify(addon)});
            const dir = fs.openSync(${JSON.stringify(`${tmp}/d`)}, ${DIR});
            const opened = n.pinOpen(dir, ${ENTRY_FLAGS}, 100);
            if (opened) for (let i = 0; i < 50; i++) n.pinPost(i % 2 ? 'file' : 'sub');
            if (${leave} && opened) process.exit(0);
            const got = opened ? n.pinTake(new Int32Array(50), new Float64Array(300), new Int32Array(50)) : 0;
            parentPort.postMessage({ opened, got });`;
          const w = new Worker(code, { eval: true });
          let m: unknown = 'exited';
          w.on('message', (x) => (m = x));
          w.on('error', reject);
          w.on('exit', () => resolve(m));
        });
      try {
        const open = fdCount();
        expect(n().pinOpen?.(fd, ENTRY_FLAGS, 1)).toBe(true);
        expect(await worker(false)).toEqual({ opened: false, got: 0 });
        expect(take(0).got).toBe(0);
        // Its 50 pins and the directory's duplicate closed (the worker's own descriptor for it too, at its exit).
        expect(await worker(true)).toBe('exited');
        expect(fdCount()).toBe(open);
        expect(n().pinOpen?.(fd, ENTRY_FLAGS, 1)).toBe(true);
        expect(take(0).got).toBe(0);
      } finally {
        fs.closeSync(fd);
      }
    });

    it.runIf(spawnSync('strace', ['-V']).status === 0)('has the helper thread open the names while the caller goes on', () => {
      // The point of posting ahead: the opens of a group off the walk's thread. strace (-f) shows which thread made
      // each call; the caller makes none of them before pinTake (marked by a stat of a name that does not exist).
      fs.mkdirSync(`${tmp}/ahead`);
      const names = Array.from({ length: 64 }, (_, i) => `p${i}`);
      for (const name of names) fs.writeFileSync(`${tmp}/ahead/${name}`, '');
      const addon = path.resolve('dist/native/fsat.node');
      const script = `
        const fs = require('node:fs');
        const n = require(${JSON.stringify(addon)});
        const dir = fs.openSync(${JSON.stringify(`${tmp}/ahead`)}, ${DIR});
        // The helper thread started, and asleep again, before the group: it must be woken for the names.
        if (!n.pinOpen(dir, ${ENTRY_FLAGS}, 1)) throw new Error('no group');
        n.pinTake(new Int32Array(1), new Float64Array(6), new Int32Array(1));
        for (const end = Date.now() + 200; Date.now() < end; );
        const before = fs.readdirSync('/proc/self/fd').length;
        if (!n.pinOpen(dir, ${ENTRY_FLAGS}, ${names.length})) throw new Error('no group');
        for (const name of ${JSON.stringify(names)}) n.pinPost(name);
        // Woken each time 16 names wait: 49 at least are opened by the helper, whenever the caller is paused; the
        // last ones may be left to pinTake (fewer than 16 waiting wake nobody).
        for (const end = Date.now() + 20000; fs.readdirSync('/proc/self/fd').length < before + 1 + 49; ) if (Date.now() > end) throw new Error('not opened');
        try { fs.statSync(${JSON.stringify(`${tmp}/MARK-take`)}); } catch {}
        const fds = new Int32Array(${names.length}), errs = new Int32Array(${names.length});
        if (n.pinTake(fds, new Float64Array(${names.length * 6}), errs) !== ${names.length} || errs.some((e) => e !== 0)) throw new Error('pin failed');`;
      const log = path.join(tmp, 'strace.log');
      const p = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,statx,newfstatat,stat', '-o', log, process.execPath, '-e', script], { encoding: 'utf8', timeout: 50_000 });
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      const lines = fs.readFileSync(log, 'utf8').split('\n');
      const main = String(p.pid);
      const mark = lines.findIndex((l) => l.includes('MARK-take'));
      expect(mark).toBeGreaterThan(0);
      const opens = lines.map((l, i) => ({ i, m: /^(\d+)\s+openat\(\d+, "p\d+"/.exec(l) })).filter((x) => x.m !== null);
      expect(opens.length).toBe(names.length);
      // Before pinTake, only the helper opened names: 49 of them at least.
      const early = opens.filter((o) => o.i < mark);
      expect(early.length).toBeGreaterThanOrEqual(49);
      for (const o of early) expect(o.m?.[1]).not.toBe(main);
    });
  });

  // The helper thread exists only with two CPUs or more and MOMENTUM_PERMS_THREADS unset.
  for (const waited of [false, true]) {
    it.runIf(os.availableParallelism() >= 2 && process.env.MOMENTUM_PERMS_THREADS === undefined && spawnSync('strace', ['-V']).status === 0)(
      waited
        ? 'does not join it once the caller has had to wait for a change batch: the changes are then what it waits for'
        : 'joins a shared batch posted while it makes a change batch, between two of its changes: the walk waits for the one, nobody yet for the other',
      () => {
        // Joined only once the change batch was made, a fix's listings went without their second thread for as long
        // as each of its change batches took, a few milliseconds each. But where the caller waits for each batch (every
        // entry drifted), helping its listings only makes the wait longer. strace (-f) shows which thread made each call.
        fs.mkdirSync(`${tmp}/busy`);
        const changed = Array.from({ length: 2000 }, (_, i) => `c${i}`);
        const pinned = Array.from({ length: 500 }, (_, i) => `p${i}`);
        const first = Array.from({ length: 1000 }, (_, i) => `w${i}`);
        for (const name of [...changed, ...pinned, ...first]) fs.writeFileSync(`${tmp}/busy/${name}`, '');
        const addon = path.resolve('dist/native/fsat.node');
        const script = `
          const fs = require('node:fs');
          const n = require(${JSON.stringify(addon)});
          const dir = n.openat(fs.openSync(${JSON.stringify(tmp)}, ${DIR}), 'busy', ${DIR});
          const pin = (names) => {
            const fds = new Int32Array(names.length), errs = new Int32Array(names.length);
            n.pinBatch(dir, names, ${ENTRY_FLAGS}, fds, new Float64Array(names.length * 6), errs);
            if (errs.some((e) => e !== 0)) throw new Error('pin failed');
            return fds;
          };
          const change = (names, uid) => n.changeStart(pin(names), new Float64Array(names.length * 4).map((_, k) => [uid + (k >> 2), 2000, 0, 1][k % 4]), names.length);
          const wait = (count) => {
            const errs = new Int32Array(count);
            n.changeWait(new Float64Array(count * 6), errs);
            if (errs.some((e) => e !== 0)) throw new Error('change failed');
          };
          if (${waited}) {
            // Waited for at once: the batch is still being made.
            change(${JSON.stringify(first)}, 5000);
            wait(${first.length});
          }
          change(${JSON.stringify(changed)}, 1000);
          // Posted once the helper is making the change batch (a batch posted before it begins is joined first anyway).
          for (const end = Date.now() + 20000; fs.statSync(${JSON.stringify(`${tmp}/busy/c0`)}).uid !== 1000; ) if (Date.now() > end) throw new Error('the change batch never began');
          for (const fd of pin(${JSON.stringify(pinned)})) n.close(fd);
          wait(${changed.length});`;
        const log = path.join(tmp, 'strace.log');
        const p = spawnSync('prlimit', ['--nofile=4096:4096', 'strace', '-f', '-qq', '-e', 'trace=openat,fchownat', '-o', log, process.execPath, '-e', script], { encoding: 'utf8', timeout: 50_000 });
        expect(p.stderr).toBe('');
        expect(p.status).toBe(0);
        // Each line: `TID call(...`, or a call another thread's interrupted (`<... call resumed>`), counted at its start.
        const calls = fs.readFileSync(log, 'utf8').split('\n').map((l) => /^(\d+)\s+(openat\(\d+, "p|fchownat\(\d+, "", [12]\d{3},)/.exec(l)).filter((m) => m !== null);
        const chowns = calls.filter((m) => String(m[2]).startsWith('fchownat'));
        const helper = chowns[0]?.[1];
        expect(chowns.length).toBe(changed.length);
        expect(chowns.every((m) => m[1] === helper)).toBe(true);
        const last = calls.lastIndexOf(chowns[chowns.length - 1] as RegExpExecArray);
        const helped = calls.slice(0, last).filter((m) => m[1] === helper && String(m[2]).startsWith('openat')).length;
        if (waited) expect(helped).toBe(0);
        else expect(helped).toBeGreaterThan(0);
        for (const [i, name] of changed.entries()) expect(fs.lstatSync(`${tmp}/busy/${name}`).uid).toBe(1000 + i);
        if (waited) for (const [i, name] of first.entries()) expect(fs.lstatSync(`${tmp}/busy/${name}`).uid).toBe(5000 + i);
      },
    );
  }

  it('grows the descriptor table once to the size asked, descriptors still given lowest first', () => {
    const fdSize = (): number => Number(/^FDSize:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const before = fdSize();
    const want = before * 4 + 100;
    n().reserveFds(want);
    expect(fdSize()).toBeGreaterThanOrEqual(want);
    const fd = fs.openSync('/', 'r');
    try {
      expect(fd).toBeLessThan(before);
    } finally {
      fs.closeSync(fd);
    }
    const soft = Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    expect(() => n().reserveFds(soft + 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => n().reserveFds(0)).toThrow(TypeError);
  });

  it('grows the descriptor table on a thread of its own with soon, reporting no error', async () => {
    const fdSize = (): number => Number(/^FDSize:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const soft = Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    // One past the table as it is (the tests before may have grown it), within the limit.
    const want = fdSize() + 1;
    expect(want).toBeLessThanOrEqual(soft);
    n().reserveFds(want, true);
    for (let i = 0; i < 500 && fdSize() < want; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fdSize()).toBeGreaterThanOrEqual(want);
    // Past the limit: without soon EINVAL is thrown; with it nothing is reported, and nothing grows.
    const size = fdSize();
    expect(() => n().reserveFds(soft + 1, true)).not.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(fdSize()).toBe(size);
    expect(() => n().reserveFds(1, 'yes' as unknown as boolean)).toThrow(TypeError);
    expect(() => n().reserveFds(1, undefined)).not.toThrow();
  });

  it('keeps each thread\'s batch its own: worker threads changing batches at once neither crash nor get each other\'s results', async () => {
    // One process-wide slot for the batch in flight let one worker's changeWait free the batch another had
    // just started (a use after free in the change loop: a segmentation fault, or calls on whatever the
    // freed memory held), and hand it the other's results.
    const addon = path.resolve(import.meta.dirname, '../../dist/native/fsat.node');
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const n = require(workerData.addon);
      const { dir, w, rounds, exitMidBatch } = workerData;
      const names = fs.readdirSync(dir);
      const dfd = fs.openSync(dir, 'r');
      const s = { ok: 0, wrong: 0, threw: [] };
      for (let round = 0; round < rounds; round++) {
        const fds = new Int32Array(names.length), errs = new Int32Array(names.length);
        n.pinBatch(dfd, names, ${ENTRY_FLAGS}, fds, new Float64Array(names.length * 6), errs);
        const uid = 1000 + w * 10000 + round;
        n.changeStart(fds, new Float64Array(names.flatMap(() => [uid, uid, 0o640, 3])), names.length);
        if (exitMidBatch) process.exit(0);
        const out = new Float64Array(names.length * 6), cerr = new Int32Array(names.length);
        try { n.changeWait(out, cerr); } catch (e) { s.threw.push(String(e)); continue; }
        if (names.some((_, i) => out[i * 6 + 1] !== uid || cerr[i] !== 0)) s.wrong++;
        else s.ok++;
      }
      parentPort.postMessage(s);`;
    const run = (w: number, rounds: number, exitMidBatch = false): Promise<unknown> => {
      const dir = `${tmp}/w${w}`;
      fs.mkdirSync(dir);
      for (let i = 0; i < 300; i++) fs.writeFileSync(`${dir}/f${i}`, '');
      return new Promise((resolve, reject) => {
        const wk = new Worker(code, { eval: true, workerData: { addon, dir, w, rounds, exitMidBatch } });
        let got: unknown = 'exited';
        wk.on('message', (m) => (got = m));
        wk.on('error', reject);
        wk.on('exit', () => resolve(got));
      });
    };
    const both = await Promise.all([run(0, 400), run(1, 400)]);
    expect(both).toEqual([
      { ok: 400, wrong: 0, threw: [] },
      { ok: 400, wrong: 0, threw: [] },
    ]);
    // A worker gone with its batch in flight: the batch is finished (the helper is waited for, not freed
    // under), and the helper thread is given back.
    expect(await run(2, 1, true)).toBe('exited');
    for (let i = 0; i < 300; i++) expect(fs.lstatSync(`${tmp}/w2/f${i}`).uid).toBe(21000);
    expect(await run(3, 50)).toEqual({ ok: 50, wrong: 0, threw: [] });
  });

  // The helper thread exists only with two CPUs or more and MOMENTUM_PERMS_THREADS unset.
  it.runIf(os.availableParallelism() >= 2 && process.env.MOMENTUM_PERMS_THREADS === undefined)('gives the helper thread back as soon as a change batch is made, before its changeWait: the next large batch is shared again', () => {
    // A fix with few changes waits for a batch only when its next one is full: until then the walk's
    // listings must not all be made on one thread.
    const helperNs = (): number | null => {
      for (const tid of fs.readdirSync('/proc/self/task')) {
        let comm = '';
        try {
          comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        } catch {
          continue;
        }
        if (comm === 'fsat-helper') return Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      }
      return null;
    };
    fs.mkdirSync(`${tmp}/share`);
    const names = Array.from({ length: 2000 }, (_, i) => `f${i}`);
    for (const name of names) fs.writeFileSync(`${tmp}/share/${name}`, '');
    const top = fs.openSync(tmp, DIR);
    const dir = n().openat(top, 'share', DIR);
    fs.closeSync(top);
    const pin = (list: string[]): Int32Array => {
      const fds = new Int32Array(list.length);
      n().pinBatch(dir, list, ENTRY_FLAGS, fds, new Float64Array(list.length * 6), new Int32Array(list.length));
      return fds;
    };
    try {
      const batch = pin(names.slice(0, 100));
      n().changeStart(batch, new Float64Array(100 * 4).map((_, k) => [700, 700, 0o600, 1][k % 4] as number), 100);
      // Made when its last descriptor is closed (the helper closes each after its calls).
      const open = (fd: number): boolean => fs.existsSync(`/proc/self/fd/${fd}`);
      for (let i = 0; i < 10_000 && open(batch[99] as number); i++) execFileSync('true');
      expect(open(batch[99] as number)).toBe(false);
      // Not waited for yet: each large pinning is shared with the helper again (it may be a moment before
      // the helper has given itself back after its last close, hence a few tries).
      let shared = false;
      for (let round = 0; round < 50 && !shared; round++) {
        const before = helperNs();
        const fds = pin(names.slice(100));
        for (const fd of fds) n().close(fd);
        const after = helperNs();
        expect(before).not.toBeNull();
        shared = (after as number) > (before as number);
      }
      expect(shared).toBe(true);
      const out = new Float64Array(600);
      const errs = new Int32Array(100);
      expect(n().changeWait(out, errs)).toBe(100);
      expect(Array.from(errs).every((e) => e === 0)).toBe(true);
      expect(fs.lstatSync(`${tmp}/share/f99`).uid).toBe(700);
    } finally {
      n().close(dir);
    }
  });

  it('makes the journal durable before the first change of a batch, and changes nothing when that fails', () => {
    // Said by the helper itself: the fix leaves the sync to it only when it says so.
    expect(n().SYNCS_JOURNAL).toBe(true);
    const fd = tree();
    try {
      const journal = fs.openSync(`${tmp}/journal`, 'w');
      const p = n().openat(fd, 'file', ENTRY_FLAGS);
      n().changeStart(Int32Array.of(p), Float64Array.of(600, 601, 0o600, 3), 1, journal);
      const out = new Float64Array(6);
      const errs = new Int32Array(1);
      expect(n().changeWait(out, errs)).toBe(1);
      expect([errs[0], out[1]]).toEqual([0, 600]);
      fs.closeSync(journal);
      // fdatasync of an O_PATH descriptor fails (EBADF): the batch changes nothing, closes its descriptors, and
      // its wait throws the sync's errno.
      const notJournal = n().openat(fd, 'sub', ENTRY_FLAGS);
      const q = n().openat(fd, 'file', ENTRY_FLAGS);
      n().changeStart(Int32Array.of(q), Float64Array.of(700, 701, 0o640, 3), 1, notJournal);
      expect(() => n().changeWait(new Float64Array(6), new Int32Array(1))).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fdatasync' }));
      const st = fs.lstatSync(`${tmp}/d/file`);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([600, 601, 0o600]);
      expect(() => fs.fstatSync(q)).toThrow(expect.objectContaining({ code: 'EBADF' }));
      n().close(notJournal);
      expect(() => n().changeStart(Int32Array.of(0), Float64Array.of(0, 0, 0o600, 2), 1, -2)).toThrow(TypeError);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("makes a new journal and its directory durable first, then removes the old journals named, regular files only", () => {
    expect(n().SYNCS_NEW_JOURNAL).toBe(true);
    const fd = tree();
    fs.mkdirSync(`${tmp}/j`);
    for (const f of ['old1', 'old2', 'kept']) fs.writeFileSync(`${tmp}/j/${f}`, '{}\n');
    fs.mkdirSync(`${tmp}/j/olddir`);
    fs.symlinkSync(`${tmp}/j/kept`, `${tmp}/j/oldlink`);
    const dir = fs.openSync(`${tmp}/j`, DIR);
    const fdsNow = () => fs.readdirSync('/proc/self/fd').length;
    try {
      const journal = fs.openSync(`${tmp}/j/new`, 'w');
      const before = fdsNow();
      const p = n().openat(fd, 'file', ENTRY_FLAGS);
      n().changeStart(Int32Array.of(p), Float64Array.of(600, 601, 0o600, 3), 1, journal, dir, ['old1', 'olddir', 'oldlink', 'gone', 'old2']);
      // The caller's descriptor is its own again at once: the batch holds a duplicate.
      fs.closeSync(dir);
      const out = new Float64Array(6);
      const errs = new Int32Array(1);
      expect(n().changeWait(out, errs)).toBe(1);
      expect([errs[0], out[1]]).toEqual([0, 600]);
      expect(fs.readdirSync(`${tmp}/j`).sort()).toEqual(['kept', 'new', 'olddir', 'oldlink']);
      // Nothing left open by the batch: its pinned descriptor and its duplicate of the directory are closed.
      expect(fdsNow()).toBe(before - 1);
      fs.closeSync(journal);
      // Refused before anything is done: a directory without a journal, names without a directory, a name that
      // is not a name.
      const q = n().openat(fd, 'file', ENTRY_FLAGS);
      const spec = Float64Array.of(700, 701, 0o640, 3);
      const j2 = fs.openSync(`${tmp}/j/new`, 'a');
      const d2 = fs.openSync(`${tmp}/j`, DIR);
      expect(() => n().changeStart(Int32Array.of(q), spec, 1, undefined, d2, [])).toThrow(/dirFd without journalFd/);
      expect(() => n().changeStart(Int32Array.of(q), spec, 1, j2, undefined, ['kept'])).toThrow(/prune without dirFd/);
      for (const bad of ['../x', 'a/b', '..', '.', '', 'a\0b']) expect(() => n().changeStart(Int32Array.of(q), spec, 1, j2, d2, [bad]), bad).toThrow(/bad name/);
      expect(() => n().changeStart(Int32Array.of(q), spec, 1, j2, d2, 'kept' as unknown as string[])).toThrow(/array of names/);
      expect(fs.readdirSync(`${tmp}/j`).sort()).toEqual(['kept', 'new', 'olddir', 'oldlink']);
      expect(fs.lstatSync(`${tmp}/d/file`).uid).toBe(600);
      // A directory that cannot be made durable (an O_PATH descriptor: fsync fails EBADF) changes nothing, and
      // removes nothing.
      const pathDir = n().openat(fd, 'sub', ENTRY_FLAGS);
      fs.writeFileSync(`${tmp}/d/sub/old3`, '');
      n().changeStart(Int32Array.of(q), spec, 1, j2, pathDir, ['old3']);
      expect(() => n().changeWait(new Float64Array(6), new Int32Array(1))).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fsync' }));
      expect(fs.lstatSync(`${tmp}/d/file`).uid).toBe(600);
      expect(fs.existsSync(`${tmp}/d/sub/old3`)).toBe(true);
      n().close(pathDir);
      fs.closeSync(j2);
      fs.closeSync(d2);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('with no descriptor left for its own duplicate of the directory, syncs and removes before it returns', () => {
    // In a child with a small descriptor table, filled: changeStart cannot duplicate the directory (EMFILE), so it
    // makes the new journal and its directory durable and removes the old journals itself, then starts the batch.
    // With a directory that cannot be synced (an O_PATH descriptor: EBADF), it throws that, having changed and
    // removed nothing, and the pinned descriptor is still the caller's.
    fs.mkdirSync(`${tmp}/j`);
    fs.mkdirSync(`${tmp}/k`);
    for (const f of ['j/old1', 'j/kept', 'k/old2', 'k/file']) fs.writeFileSync(`${tmp}/${f}`, '{}\n');
    fs.chownSync(`${tmp}/k/file`, 500, 501);
    const addon = path.resolve('dist/native/fsat.node');
    const script = `
      const fs = require('node:fs');
      const n = require(${JSON.stringify(addon)});
      const tmp = ${JSON.stringify(tmp)};
      const DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;
      const journal = fs.openSync(tmp + '/j/new', 'w');
      const dir = fs.openSync(tmp + '/j', DIR);
      const k = fs.openSync(tmp + '/k', DIR);
      const pathDir = fs.openSync(tmp + '/k', ${0o10000000} | fs.constants.O_DIRECTORY);
      const p = n.openat(k, 'file', ${ENTRY_FLAGS});
      const fill = [];
      for (;;) { try { fill.push(fs.openSync('/dev/null', 'r')); } catch { break; } }
      const spec = Float64Array.of(600, 601, 0o600, 3);
      const out = {};
      try { n.changeStart(Int32Array.of(p), spec, 1, journal, pathDir, ['old2']); } catch (e) { out.threw = [e.code, e.syscall]; }
      out.old2 = fs.existsSync(tmp + '/k/old2');
      out.pinned = fs.fstatSync(p).uid;
      n.changeStart(Int32Array.of(p), spec, 1, journal, dir, ['old1']);
      out.old1 = fs.existsSync(tmp + '/j/old1');
      out.kept = fs.existsSync(tmp + '/j/kept');
      fs.closeSync(fill.pop());
      const errs = new Int32Array(1);
      out.count = n.changeWait(new Float64Array(6), errs);
      out.err = errs[0];
      process.stdout.write(JSON.stringify(out));`;
    const got = JSON.parse(execFileSync('prlimit', ['--nofile=128:128', process.execPath, '-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(got).toEqual({ threw: ['EBADF', 'fsync'], old2: true, pinned: 500, old1: false, kept: true, count: 1, err: 0 });
    expect(fs.lstatSync(`${tmp}/k/file`).uid).toBe(600);
  });

  it('names errno numbers as Node does', () => {
    expect([errnoName(2), errnoName(20), errnoName(40), errnoName(11), errnoName(95), errnoName(9999)]).toEqual(['ENOENT', 'ENOTDIR', 'ELOOP', 'EAGAIN', 'ENOTSUP', 'E9999']);
  });

  it('refuses ids or modes out of range before changing anything', () => {
    const fd = tree();
    try {
      const p = n().openat(fd, 'file', ENTRY_FLAGS);
      // The last six: a narrowing mode without its flag (8), the flag without both a chown and a chmod (4 | 1),
      // a narrowing mode with a bit the target lacks (0o700 against 0o640; with the sticky bit, which alone may be
      // kept; a setuid bit), a narrowing mode past the range.
      const narrow = (m: number, flags: number): number => flags | (m << 3);
      for (const spec of [[-1, 0, 0o644, 1], [0, 2 ** 32, 0o644, 1], [0, 0, 0o10000, 2], [NaN, 0, 0o644, 1], [500.5, 0, 0o644, 1], [0, 0, 0o644, 8], [0, 0, 0o644, narrow(0o600, 5)], [0, 0, 0o640, narrow(0o700, 7)], [0, 0, 0o640, narrow(0o1700, 7)], [0, 0, 0o640, narrow(0o4640, 7)], [0, 0, 0o644, narrow(0o10000, 7)]]) {
        expect(() => n().changeStart(Int32Array.of(p), Float64Array.from(spec), 1)).toThrow(TypeError);
      }
      // A descriptor twice in one batch: the second use could reach what its number names after the first close.
      expect(() => n().changeStart(Int32Array.of(p, p), Float64Array.of(0, 0, 0o644, 2, 0, 0, 0o600, 2), 2)).toThrow(/given twice/);
      const st = fs.fstatSync(p);
      expect([st.uid, st.gid]).toEqual([500, 501]);
      n().close(p);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('walks a tree to the same entries, errors and order on both paths', () => {
    const fd = tree();
    fs.closeSync(fd);
    for (let i = 0; i < 300; i++) fs.writeFileSync(`${tmp}/d/sub/m${i}`, '');
    execFileSync('mkfifo', [`${tmp}/d/fifo`]);
    const run = (): string[] => {
      const out: string[] = [];
      walk(
        realFs,
        makeRoot(tmp),
        '/d',
        { crossFilesystems: false },
        (e, parent) => out.push(`${parent} ${e.path} ${e.type} ${e.uid}:${e.gid} ${e.mode.toString(8)} ${e.ino} ${e.nlink}`),
        (p, errno) => out.push(`error ${p} ${errno}`),
        () => out.push('vanished'),
      );
      return out;
    };
    useNative(true);
    const native = run();
    useNative(false);
    const js = run();
    expect(native.length).toBeGreaterThan(300);
    expect(native).toContain(`error /d/caf\\xe9 EILSEQ`);
    // Directory order is the kernel's on both; compare as sets within each directory, and the whole.
    expect([...native].sort()).toEqual([...js].sort());
  });
});

describe('statOf', () => {
  it('reads the numbers the helpers write exactly, the 32-bit ones past 2^31 too, device and inode past 2^32', () => {
    const nums = Float64Array.of(0, 0, 0, 0, 0, 0, 0o100644, 4294967294, 2147483653, 2 ** 40 + 3, 2 ** 52 + 1, 65000);
    expect(statOf(nums, 6)).toEqual({ mode: 0o100644, uid: 4294967294, gid: 2147483653, dev: 2 ** 40 + 3, ino: 2 ** 52 + 1, nlink: 65000 });
    expect(statOf(nums, 0)).toEqual({ mode: 0, uid: 0, gid: 0, dev: 0, ino: 0, nlink: 0 });
  });
});
