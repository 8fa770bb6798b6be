/**
 * Snapshots on the real disk, as root: what is recorded, what is left out, the file's safety properties,
 * and a reader that refuses damaged, truncated or untrustworthy files.
 */
import * as fs from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realFs } from '../../src/io/fs.js';
import { escapePath, unescapePath } from '../../src/snapshot/format.js';
import { readSnapshot } from '../../src/snapshot/reader.js';
import { snapshotPlan, takeSnapshot } from '../../src/snapshot/take.js';
import { fakeBound } from './fakes.js';
import { tempDir } from '../support/root.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('snap').dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function put(p: string, uid: number, gid: number, mode: number, kind: 'file' | 'dir' = 'file'): void {
  const h = dir + '/root' + p;
  if (kind === 'dir') fs.mkdirSync(h, { recursive: true });
  else {
    fs.mkdirSync(h.slice(0, h.lastIndexOf('/')), { recursive: true });
    fs.writeFileSync(h, 'x');
  }
  fs.chownSync(h, uid, gid);
  fs.chmodSync(h, mode);
}

/** What lstat says of every entry below `tree`, keyed by Momentum path, as `type uid gid mode ino`. */
function observed(tree: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = dir + '/root';
  const rec = (p: string): void => {
    const st = fs.lstatSync(base + p);
    const t = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
    out.set(p, `${t} ${st.uid} ${st.gid} ${(st.mode & 0o7777).toString(8)} ${st.ino}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(base + p)) rec(p + '/' + n);
  };
  rec(tree);
  return out;
}

function build(): void {
  put('/opt/msys/ecelerity/etc', 500, 500, 0o750, 'dir');
  put('/opt/msys/ecelerity/etc/conf/.hidden', 500, 500, 0o600);
  put('/opt/msys/ecelerity/etc/conf/with\ttab and\nnewline\\', 501, 502, 0o4640);
  put('/opt/msys/ecelerity/bin/ec_ctl', 0, 0, 0o755);
  fs.symlinkSync('/etc/shadow', dir + '/root/opt/msys/ecelerity/etc/conf/link');
  put('/var/log/ecelerity/mainlog.ec', 500, 500, 0o640);
  put('/var/log/ecelerity/spool-inside/A/1.data', 500, 500, 0o640);
  put('/var/spool/ecelerity/A/B/1.data', 500, 500, 0o640);
}

const bound = () =>
  fakeBound({
    trees: [
      { path: '/opt/msys/ecelerity' },
      { path: '/var/log/ecelerity' },
      { path: '/var/spool/ecelerity', spool: true },
      { path: '/var/log/ecelerity/spool-inside', spool: true },
      { path: '/not/there' },
    ],
  });

describe('takeSnapshot + readSnapshot', () => {
  it('records every entry of the trees exactly as lstat sees it, and leaves the spool out', async () => {
    build();
    const file = dir + '/a.snap';
    const r = takeSnapshot({ fs: realFs, root: { dir: dir + '/root' }, plan: snapshotPlan(bound(), false), file, crossFilesystems: false });
    const snap = await readSnapshot(file);
    const want = new Map([...observed('/opt/msys/ecelerity'), ...observed('/var/log/ecelerity')]);
    for (const p of want.keys()) if (p.startsWith('/var/log/ecelerity/spool-inside')) want.delete(p);
    const got = new Map<string, string>();
    for (const p of snap.paths()) {
      const s = snap.get(p);
      if (s) got.set(p, `${s.type} ${s.uid} ${s.gid} ${s.mode.toString(8)} ${s.ino}`);
    }
    expect(got).toEqual(want);
    expect(r.entries).toBe(want.size);
    expect(snap.header.user).toEqual({ name: 'ecuser', id: 500 });
    expect(snap.header.excluded.sort()).toEqual(['/var/log/ecelerity/spool-inside', '/var/spool/ecelerity']);
    expect(snap.covers('/var/spool/ecelerity/A/B/1.data', '/var/spool/ecelerity/A/B')).toBe(false);
    expect(snap.covers('/var/log/ecelerity/spool-inside', '/var/log/ecelerity')).toBe(false);
    expect(snap.covers('/var/log/ecelerity/new.ec', '/var/log/ecelerity')).toBe(true);
    expect(snap.covers('/elsewhere/x', '/elsewhere')).toBe(false);
    // Root-only, and no temporary file left beside it.
    expect(fs.statSync(file).mode & 0o7777).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.snap', 'root']);
  });

  it('takes the spool too with includeSpool', async () => {
    build();
    const file = dir + '/b.snap';
    takeSnapshot({ fs: realFs, root: { dir: dir + '/root' }, plan: snapshotPlan(bound(), true), file, crossFilesystems: false });
    const snap = await readSnapshot(file);
    expect(snap.get('/var/spool/ecelerity/A/B/1.data')?.mode).toBe(0o640);
    expect(snap.lookup('/var/log/ecelerity/spool-inside/A/1.data')).toBeGreaterThanOrEqual(0);
    expect(snap.header.excluded).toEqual([]);
  });

  it('is gzip that zcat reads, one line per entry between a header and an end line', () => {
    build();
    const file = dir + '/c.snap';
    const r = takeSnapshot({ fs: realFs, root: { dir: dir + '/root' }, plan: snapshotPlan(bound(), false), file, crossFilesystems: false });
    const lines = gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ format: 'momentum-perms-snapshot', version: 1 });
    expect(JSON.parse(lines[lines.length - 1] ?? '')).toEqual({ end: true, entries: r.entries, unreadable: [] });
    expect(lines.length).toBe(r.entries + 2);
    expect(lines).toContain(`/opt/msys/ecelerity/etc/conf/with\\ttab and\\nnewline\\\\\tf\t501\t502\t4640\t${fs.lstatSync(dir + '/root/opt/msys/ecelerity/etc/conf/with\ttab and\nnewline\\').dev}\t${fs.lstatSync(dir + '/root/opt/msys/ecelerity/etc/conf/with\ttab and\nnewline\\').ino}`);
  });

  it('replaces an existing file atomically and never writes through a link at the target', async () => {
    build();
    fs.writeFileSync(dir + '/victim', 'keep');
    fs.symlinkSync(dir + '/victim', dir + '/d.snap');
    takeSnapshot({ fs: realFs, root: { dir: dir + '/root' }, plan: snapshotPlan(bound(), false), file: dir + '/d.snap', crossFilesystems: false });
    expect(fs.readFileSync(dir + '/victim', 'utf8')).toBe('keep');
    expect(fs.lstatSync(dir + '/d.snap').isFile()).toBe(true);
    expect((await readSnapshot(dir + '/d.snap')).size).toBeGreaterThan(0);
  });
});

describe('readSnapshot refuses what it cannot trust', () => {
  const header = JSON.stringify({ format: 'momentum-perms-snapshot', version: 1, created: 'x', root: '/', configFile: '/c', user: { name: 'ecuser', id: 500 }, group: { name: 'ecuser', id: 500 }, trees: ['/t'], excluded: [] });
  const write = (name: string, text: string, mode = 0o600): string => {
    const p = `${dir}/${name}`;
    fs.writeFileSync(p, text, { mode });
    fs.chmodSync(p, mode);
    return p;
  };
  const cases: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['not a snapshot', '{"hello":1}\n', /not a momentum-perms snapshot/],
    ['future version', header.replace('"version":1', '"version":9') + '\n', /version 9 is not supported/],
    ['truncated', `${header}\n/t\tf\t1\t1\t644\t1\t1\n`, /truncated/],
    ['count mismatch', `${header}\n/t\tf\t1\t1\t644\t1\t1\n{"end":true,"entries":2}\n`, /says 2 entries, the file holds 1/],
    ['damaged mode', `${header}\n/t\tf\t1\t1\t9z9\t1\t1\n{"end":true,"entries":1}\n`, /damaged/],
    ['missing field', `${header}\n/t\tf\t1\t1\t644\t1\n{"end":true,"entries":1}\n`, /7 tab-separated/],
    ['relative path', `${header}\nt\tf\t1\t1\t644\t1\t1\n{"end":true,"entries":1}\n`, /start with a path/],
  ];
  for (const [name, text, msg] of cases) {
    it(`${name}: MP302`, async () => {
      const p = write('x.snap', text);
      await expect(readSnapshot(p)).rejects.toMatchObject({ code: 'MP302', message: expect.stringMatching(msg) });
    });
  }
  it('names the damaged line', async () => {
    const p = write('x.snap', `${header}\n/t\tf\t1\t1\t644\t1\t1\n/t/u\tq\t1\t1\t644\t1\t1\n{"end":true,"entries":2}\n`);
    await expect(readSnapshot(p)).rejects.toMatchObject({ code: 'MP302', location: { line: 3 } });
  });
  it('refuses a snapshot that someone other than root could have written', async () => {
    const p = write('x.snap', `${header}\n{"end":true,"entries":0}\n`, 0o666);
    await expect(readSnapshot(p)).rejects.toMatchObject({ code: 'MP302', message: expect.stringMatching(/not trusted/) });
    fs.chmodSync(p, 0o600);
    fs.chownSync(p, 500, 0);
    await expect(readSnapshot(p)).rejects.toMatchObject({ code: 'MP302' });
    fs.chownSync(p, 0, 0);
    expect((await readSnapshot(p)).size).toBe(0);
  });
  it('reads plain text as well as gzip, and a later line for a path wins', async () => {
    const body = `${header}\n/t\td\t0\t0\t755\t1\t2\n/t/a\tf\t500\t500\t640\t1\t3\n/t/a\tf\t500\t500\t600\t1\t3\n{"end":true,"entries":3}\n`;
    const plain = await readSnapshot(write('p.snap', body));
    fs.writeFileSync(dir + '/g.snap', gzipSync(body), { mode: 0o600 });
    const gz = await readSnapshot(dir + '/g.snap');
    for (const s of [plain, gz]) {
      expect(s.get('/t/a')).toEqual({ type: 'file', uid: 500, gid: 500, mode: 0o600, dev: 1, ino: 3 });
      expect(s.get('/t')?.type).toBe('dir');
    }
  });
  it('treats the places listed as unreadable as not covered', async () => {
    const p = write('u.snap', `${header}\n{"end":true,"entries":0,"unreadable":["/t/locked"]}\n`);
    const s = await readSnapshot(p);
    expect(s.covers('/t/locked/x', '/t/locked')).toBe(false);
    expect(s.covers('/t/other', '/t')).toBe(true);
  });
  it('a missing file is MP302', async () => {
    await expect(readSnapshot(dir + '/nope.snap')).rejects.toMatchObject({ code: 'MP302' });
  });
});

describe('path escaping', () => {
  it('round-trips any path and keeps it on one line', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', '\\', '\t', '\n', 't', 'n', 'é') }), (s) => {
        const e = escapePath(s);
        expect(e).not.toMatch(/[\t\n]/);
        expect(unescapePath(e)).toBe(s);
      }),
    );
  });
});
