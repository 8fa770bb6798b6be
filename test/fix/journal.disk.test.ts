/** The journal's writer and reader on the real filesystem: creation rules, durability format, reading back. */
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMpError, MpError } from '../../src/errors.js';
import { forEachLine, linesBackward, parseRecord, scanJournal } from '../../src/fix/journal-read.js';
import { JournalWriter, journalName, journalTime, recordLine } from '../../src/fix/journal.js';
import { openState } from '../../src/io/state.js';
import type { JournalHeader, JournalRecord } from '../../src/fix/types.js';
import { makeRoot } from '../../src/io/fs.js';
import { mkdir, SERVICE, tempRoot, type TempRoot } from './helpers.js';

let r: TempRoot;
beforeEach(() => (r = tempRoot()));
afterEach(() => r.cleanup());

const header: JournalHeader = { journal: 'momentum-perms', version: 1, command: 'fix', root: '/x', time: 't', pid: 1, service: SERVICE };

function rec(i: number): JournalRecord {
  return {
    path: `/var/spool/ecelerity/${(i % 256).toString(16)}/m${i}-ünï`,
    dev: 2049,
    ino: 100000 + i,
    before: { uid: 0, gid: 0, mode: 0o644 },
    after: { uid: 500, gid: 500, mode: 0o640 },
    type: 'file',
    tree: '/var/spool/ecelerity',
  };
}

function thrown(f: () => unknown): MpError {
  try {
    f();
  } catch (e) {
    if (isMpError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('journal writer', () => {
  it('creates a new root-only file in a root-only journal directory, header first', () => {
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    const w = JournalWriter.create(st.journals().fd, 'a.jsonl', '/var/lib/momentum-perms/journal/a.jsonl', header);
    w.append([rec(1), rec(2)]);
    w.close();
    st.close();
    const p = r.h('/var/lib/momentum-perms/journal/a.jsonl');
    const s = fs.statSync(p);
    expect([s.uid, s.mode & 0o7777]).toEqual([0, 0o600]);
    expect(fs.statSync(r.h('/var/lib/momentum-perms')).mode & 0o7777).toBe(0o700);
    const lines = fs.readFileSync(p, 'utf8').split('\n');
    expect(JSON.parse(lines[0] as string)).toEqual(header);
    expect(JSON.parse(lines[1] as string)).toEqual(rec(1));
    expect(lines[3]).toBe('');
  });

  it('never writes through a planted link or over an existing file', () => {
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    const dir = st.journals();
    fs.writeFileSync(r.h('/victim'), 'keep\n');
    fs.symlinkSync(r.h('/victim'), r.h('/var/lib/momentum-perms/journal/l.jsonl'));
    expect(thrown(() => JournalWriter.create(dir.fd, 'l.jsonl', 'l', header)).code).toBe('MP300');
    expect(fs.readFileSync(r.h('/victim'), 'utf8')).toBe('keep\n');
    st.close();
  });

  // What reaches the file must be recordLine()'s text exactly, whatever the names and numbers, and the service
  // account's budget counts each line's bytes as written.
  const awkward: JournalRecord[] = [
    rec(0),
    { ...rec(1), path: '/var/spool/ecelerity/a"b\\c\n\u0001\u007f', tree: '/var/spool/ecelerity' },
    { ...rec(2), path: `/var/spool/${'\ud800'.repeat(300)}${'\u2028'.repeat(300)}😀`, ino: 0 },
    { ...rec(3), path: `/${'\u0000'.repeat(4096)}`, tree: `/${'é'.repeat(2000)}` },
    { ...rec(4), dev: Number.MAX_SAFE_INTEGER, ino: Number.MAX_SAFE_INTEGER },
    { ...rec(5), dev: 2 ** 64, ino: 18446744073709551615, before: { uid: 4294967295, gid: -1, mode: 0.5 }, after: { uid: -0, gid: 1e21, mode: -1.7976931348623157e308 } },
    { ...rec(6), ino: 9, type: 'dir' },
    { ...rec(7), ino: 10 },
  ];

  it("counts each of the service account's lines by its bytes in UTF-8, whatever its names", () => {
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    let k = 0;
    const writer = (max: number) => JournalWriter.create(st.journals().fd, `n${k++}.jsonl`, 'n', header, max);
    // Names JSON.stringify leaves as they are (a byte a character, counted without encoding the line), alone and
    // beside a name it escapes.
    const plain: JournalRecord[] = [
      { ...rec(20), path: '/var/spool/ecelerity/0/m0' },
      { ...rec(21), path: `/var/spool/ecelerity/0/${'x'.repeat(4000)}` },
      { ...rec(22), path: '/var/spool/ecelerity/0/m0', tree: '/var/spool/écelerity' },
      { ...rec(23), path: '/var/spool/ecelerity/0/m0"', tree: '/var/spool/ecelerity' },
    ];
    const service = [...awkward, ...plain].filter((x) => x.before.uid === header.service?.uid || x.after.uid === header.service?.uid);
    expect(service.length).toBeGreaterThan(8);
    for (const x of service) {
      const bytes = Buffer.byteLength(recordLine(x), 'utf8');
      // Exactly its bytes fit; a byte less does not.
      const w = writer(bytes);
      expect(w.admit(x)).toBe(true);
      expect(w.admit(x)).toBe(false);
      w.close();
      const tight = writer(bytes - 1);
      expect(tight.admit(x)).toBe(false);
      tight.close();
    }
    st.close();
  });

  it("counts each line by its bytes when consecutive lines name different trees, plain and not, in one journal", () => {
    // Whether a tree needs escaping is remembered from one line to the next while the tree stays the same: a line
    // whose tree changed from a plain one to one with a two-byte character must still count that byte.
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    const trees = ['/var/spool/ecelerity', '/var/spool/écelerity', '/var/spool/écelerity', '/var/spool/ecelerity', '/var/spool/é"'];
    const seq = trees.map((tree, i) => ({ ...rec(40 + i), path: `${tree}/m${i}`, tree }));
    const total = seq.reduce((n, x) => n + Buffer.byteLength(recordLine(x), 'utf8'), 0);
    const exact = JournalWriter.create(st.journals().fd, 'e.jsonl', 'e', header, total);
    expect(seq.map((x) => exact.admit(x))).toEqual(seq.map(() => true));
    exact.append(seq);
    exact.close();
    const tight = JournalWriter.create(st.journals().fd, 't.jsonl', 't', header, total - 1);
    expect(seq.map((x) => tight.admit(x))).toEqual([true, true, true, true, false]);
    tight.close();
    st.close();
    expect(fs.readFileSync(r.h('/var/lib/momentum-perms/journal/e.jsonl'), 'utf8')).toBe(JSON.stringify(header) + '\n' + seq.map(recordLine).join(''));
  });

  it('writes the admitted lines, in order, and only those', () => {
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    const w = JournalWriter.create(st.journals().fd, 'b.jsonl', '/var/lib/momentum-perms/journal/b.jsonl', header, 20_000);
    const admitted = awkward.filter((x) => w.admit(x));
    // rec(3)'s names (4,096 NULs as \u0000 and 2,000 two-byte characters) pass the 20,000-byte limit for the
    // service account's entries: refused, and its line is not in the file.
    expect(admitted.length).toBe(awkward.length - 1);
    expect(admitted).not.toContain(awkward[3]);
    w.append(admitted);
    w.append([]);
    w.close();
    // Root's entries, more than 64 KiB of them, with a line of 25 kB among them.
    const roots = Array.from({ length: 2000 }, (_, i) => ({ ...rec(1000 + i), after: { uid: 0, gid: 0, mode: 0o600 } }));
    let at = 0;
    let k = 0;
    while (at < 50_000) at += Buffer.byteLength(recordLine(roots[k++] as JournalRecord));
    roots.splice(k, 0, { ...(awkward[3] as JournalRecord), after: { uid: 0, gid: 0, mode: 0o600 } });
    const w2 = JournalWriter.create(st.journals().fd, 'c.jsonl', '/var/lib/momentum-perms/journal/c.jsonl', header);
    expect(roots.every((x) => w2.admit(x))).toBe(true);
    w2.append(roots);
    w2.close();
    st.close();
    const read = (n: string) => fs.readFileSync(r.h(`/var/lib/momentum-perms/journal/${n}`), 'utf8');
    expect(read('b.jsonl')).toBe(JSON.stringify(header) + '\n' + admitted.map(recordLine).join(''));
    const want = roots.map(recordLine).join('');
    expect(read('c.jsonl')).toBe(JSON.stringify(header) + '\n' + want);
    expect(want.length).toBeGreaterThan(1 << 17);
  });

  it("stops with MP305 before writing a batch that would take the journal past twice the limit", () => {
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    const roots = Array.from({ length: 8 }, (_, i) => ({ ...rec(300 + i), before: { uid: 0, gid: 0, mode: 0o644 }, after: { uid: 0, gid: 0, mode: 0o600 } }));
    const bytes = Buffer.byteLength(roots.map(recordLine).join(''), 'utf8');
    // Root's lines are never refused for the budget; twice the limit (here 0.8 of the eight lines) is what the
    // whole journal may hold.
    const w = JournalWriter.create(st.journals().fd, 'd.jsonl', '/var/lib/momentum-perms/journal/d.jsonl', header, Math.ceil(bytes / 2.5));
    const first = roots.slice(0, 2);
    expect(first.every((x) => w.admit(x))).toBe(true);
    w.append(first);
    const rest = roots.slice(2);
    expect(rest.every((x) => w.admit(x))).toBe(true);
    expect(thrown(() => w.append(rest)).code).toBe('MP305');
    w.close();
    st.close();
    const text = fs.readFileSync(r.h('/var/lib/momentum-perms/journal/d.jsonl'), 'utf8');
    expect(text).toBe(JSON.stringify(header) + '\n' + first.map(recordLine).join(''));
  });

  it('names journals so that they sort by time', () => {
    expect(journalName('fix', new Date('2026-11-26T10:00:00.123Z'), 42)).toBe('2026-11-26T10-00-00.123Z-fix-42.jsonl');
  });

  it('names a journal after the newest one where the clock is behind it, so that names sort in the order runs were made', () => {
    const now = new Date('2026-11-26T10:00:00.123Z');
    const at = (newest: string | undefined): string => journalTime(now, newest === undefined ? [] : ['2020-01-01T00-00-00.000Z-fix-1.jsonl', newest]).toISOString();
    expect(at(undefined)).toBe('2026-11-26T10:00:00.123Z');
    expect(at('2026-11-26T09-59-59.999Z-fix-7.jsonl')).toBe('2026-11-26T10:00:00.123Z');
    expect(at('2026-11-26T10-00-00.123Z-undo-7.jsonl')).toBe('2026-11-26T10:00:00.124Z');
    expect(at('2031-02-03T04-05-06.789Z-fix-7.jsonl')).toBe('2031-02-03T04:05:06.790Z');
    // Not a time (a month 13), or one whose next millisecond is past the names the tool knows: the clock's.
    expect(at('2026-13-01T00-00-00.000Z-fix-7.jsonl')).toBe('2026-11-26T10:00:00.123Z');
    expect(at('9999-12-31T23-59-59.999Z-fix-7.jsonl')).toBe('2026-11-26T10:00:00.123Z');
    expect(journalName('fix', journalTime(now, ['9999-12-31T23-59-59.998Z-fix-7.jsonl']), 8)).toBe('9999-12-31T23-59-59.999Z-fix-8.jsonl');
    // A newest name that is no time is passed over for the newest that is one.
    expect(journalTime(now, ['2031-02-03T04-05-06.789Z-fix-7.jsonl', '2032-01-01T23-60-00.000Z-fix-8.jsonl']).toISOString()).toBe('2031-02-03T04:05:06.790Z');
  });
});

describe('state directory', () => {
  it('refuses a state directory that is a symlink', () => {
    mkdir(r.h('/var/lib'), 0, 0, 0o755);
    mkdir(r.h('/elsewhere'), 0, 0, 0o700);
    fs.symlinkSync(r.h('/elsewhere'), r.h('/var/lib/momentum-perms'));
    expect(thrown(() => openState(makeRoot(r.dir), '/var/lib/momentum-perms')).code).toBe('MP303');
  });

  it.each([
    [500, 0, 0o700],
    [0, 500, 0o770],
    [0, 0, 0o703],
  ])('refuses a state directory owned by %d:%d mode %o', (uid, gid, mode) => {
    mkdir(r.h('/var/lib/momentum-perms'), uid, gid, mode);
    expect(thrown(() => openState(makeRoot(r.dir), '/var/lib/momentum-perms')).code).toBe('MP303');
  });

  it('refuses a journal directory writable by the service account', () => {
    mkdir(r.h('/var/lib/momentum-perms/journal'), 500, 500, 0o700);
    fs.chownSync(r.h('/var/lib/momentum-perms'), 0, 0);
    fs.chmodSync(r.h('/var/lib/momentum-perms'), 0o700);
    const st = openState(makeRoot(r.dir), '/var/lib/momentum-perms');
    expect(thrown(() => st.journals()).code).toBe('MP303');
    st.close();
  });
});

describe('journal reader', () => {
  function write(text: string): number {
    fs.writeFileSync(r.h('/j'), text, { mode: 0o600 });
    return fs.openSync(r.h('/j'), 'r');
  }

  it('reads lines forward and backward across chunk boundaries, ignoring a cut-off last line', () => {
    const n = 12000; // about 2 MB: several 1 MiB chunks
    let text = JSON.stringify(header) + '\n';
    for (let i = 0; i < n; i++) text += recordLine(rec(i));
    text += '{"path":"/var/spool/ecelerity/cut';
    const fd = write(text);
    const scan = scanJournal(fd, '/j');
    expect(scan).toMatchObject({ lines: n + 1, truncated: true });
    const back: number[] = [];
    for (const line of linesBackward(fd, scan.end)) {
      const p = parseRecord(line);
      back.push(p ? p.ino - 100000 : -1);
    }
    fs.closeSync(fd);
    expect(back).toHaveLength(n + 1);
    expect(back.slice(0, n)).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
    expect(back[n]).toBe(-1); // the header, last
  });

  it('counts lines the same way forward', () => {
    const fd = write('a\nb\n\nc');
    const seen: string[] = [];
    expect(forEachLine(fd, (l, i) => seen.push(`${i}:${l}`))).toEqual({ lines: 3, end: 5, truncated: true });
    expect(seen).toEqual(['1:a', '2:b', '3:']);
    fs.closeSync(fd);
  });

  it('names the file and line of an invalid record', () => {
    const bad = JSON.stringify({ ...rec(1), path: '/etc/shadow' }); // outside its own tree
    const fd = write(JSON.stringify(header) + '\n' + recordLine(rec(0)) + bad + '\n');
    const e = thrown(() => scanJournal(fd, '/j'));
    fs.closeSync(fd);
    expect(e.code).toBe('MP302');
    expect(e.where).toBe('/j:3:1');
  });

  it('rejects a file that is not a journal', () => {
    const fd = write('root:x:0:0::/root:/bin/sh\n');
    expect(thrown(() => scanJournal(fd, '/j')).where).toBe('/j:1:1');
    fs.closeSync(fd);
  });

  it.each([
    ['relative path', { path: 'var/x' }],
    ['path with ..', { path: '/var/spool/ecelerity/../../etc' }],
    ['negative uid', { before: { uid: -1, gid: 0, mode: 0 } }],
    ['mode beyond 07777', { after: { uid: 0, gid: 0, mode: 0o10000 } }],
    ['unknown type', { type: 'door' }],
  ])('rejects a record with a %s', (_n, patch) => {
    expect(parseRecord(JSON.stringify({ ...rec(0), ...patch }))).toBeNull();
  });
});
