/**
 * Journals the service account cannot make fill the disk, nor use to stop a fix before root's files: its own
 * entries have a bounded share of a journal (past it they are refused and the run goes on), and the state
 * directory keeps the newest twenty. For real,
 * as root, in a temporary root.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fix } from '../../src/pipeline.js';
import { undo } from '../../src/fix/undo.js';
import { JOURNALS_KEPT } from '../../src/fix/journal.js';
import { ECGROUP, ECUSER, file, mkdir, perms, type TempRoot } from './helpers.js';
import { install, SPOOL, STATE } from './install.js';
import { asRoot } from '../support/root.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

describe.runIf(asRoot)('journal bounds', () => {
  it("past the journal's share for the service account's own entries, those are refused and root's files are still fixed", async () => {
    r = install();
    // The service account fills its configuration tree (walked first) with drifted files of long names...
    const deep = `/opt/msys/ecelerity/etc/conf/${'a'.repeat(200)}/${'b'.repeat(200)}`;
    mkdir(r.h(`/opt/msys/ecelerity/etc/conf/${'a'.repeat(200)}`), ECUSER, ECGROUP, 0o755);
    mkdir(r.h(deep), ECUSER, ECGROUP, 0o755);
    for (let i = 0; i < 60; i++) file(r.h(`${deep}/f${i}`), ECUSER, ECGROUP, 0o666);
    // ...and the directory of libraries root's programs load drifted later in the walk (a directory: a file
    // root:root 0775 is refused on the pure-JS path, which cannot read the ACL that may let others write it).
    mkdir(r.h('/opt/msys/3rdParty'), 0, 0, 0o755);
    mkdir(r.h('/opt/msys/3rdParty/lib'), 0, 0, 0o775);
    file(r.h('/opt/msys/3rdParty/lib/libx.so'), 0, 0, 0o755);
    const res = fix({ root: r.dir, journalMaxBytes: 8192, batchSize: 4 });
    expect(res.summary.refused).toBeGreaterThan(0);
    expect(perms(r.h('/opt/msys/3rdParty/lib'))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
    // What was refused kept its values; what was changed has its journal line.
    const dir = r.h(`${STATE}/journal`);
    const [name] = fs.readdirSync(dir);
    const journal = fs.readFileSync(`${dir}/${name}`, 'utf8');
    const recorded = new Set(journal.split('\n').filter((l) => l.startsWith('{"path"')).map((l) => (JSON.parse(l) as { path: string }).path));
    let changed = 0;
    for (let i = 0; i < 60; i++) {
      const p = `${deep}/f${i}`;
      if ((fs.statSync(r.h(p)).mode & 0o777) !== 0o666) {
        changed++;
        expect(recorded.has(p), p).toBe(true);
      }
    }
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(60);
    expect(recorded.has('/opt/msys/3rdParty/lib')).toBe(true);
  });

  /** `n` old journals the tool named, a minute apart from the start of `year`, in the journal directory `dir`. */
  const old = (dir: string, n: number, year = 2026): void => {
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(year, 0, 1, 0, i)).toISOString().replace(/:/g, '-');
      fs.writeFileSync(`${dir}/${t}-fix-${1000 + i}.jsonl`, '{}\n', { mode: 0o600 });
    }
  };

  /** An install with every spool file drifted, and `n` old journals in its state directory; the journal directory. */
  const withJournals = (n: number): string => {
    r = install({ fileMode: 0o666 });
    const dir = r.h(`${STATE}/journal`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(r.h(STATE), 0o700);
    old(dir, n);
    return dir;
  };

  it('keeps the newest journals and removes older ones the tool named, never other files', () => {
    const dir = withJournals(30);
    fs.writeFileSync(`${dir}/notes.txt`, 'kept\n', { mode: 0o600 });
    fix({ root: r.dir });
    const left = fs.readdirSync(dir).sort();
    expect(left).toContain('notes.txt');
    const journals = left.filter((n) => n.endsWith('.jsonl'));
    expect(journals).toHaveLength(JOURNALS_KEPT);
    // The oldest went; the newest old ones and this run's journal stayed.
    expect(journals).not.toContain('2026-01-01T00-00-00.000Z-fix-1000.jsonl');
    expect(journals).toContain('2026-01-01T00-29-00.000Z-fix-1029.jsonl');
    expect(journals.filter((n) => !n.startsWith('2026-01-01'))).toHaveLength(1);
  });

  it('removes only regular files among old journal names: a directory or a link named like one stays, and what it points to', () => {
    const dir = withJournals(30);
    // The two oldest names of all: first in line to go.
    fs.mkdirSync(`${dir}/2025-01-01T00-00-00.000Z-fix-1.jsonl`);
    fs.writeFileSync(r.h('/victim'), 'keep\n');
    fs.symlinkSync(r.h('/victim'), `${dir}/2025-01-01T00-01-00.000Z-fix-2.jsonl`);
    fix({ root: r.dir });
    const left = fs.readdirSync(dir).sort();
    expect(left).toContain('2025-01-01T00-00-00.000Z-fix-1.jsonl');
    expect(left).toContain('2025-01-01T00-01-00.000Z-fix-2.jsonl');
    expect(fs.readFileSync(r.h('/victim'), 'utf8')).toBe('keep\n');
    // Of the 13 oldest names past the newest 19, the eleven files went: 19 old journals and the new one are left.
    const files = left.filter((n) => n.endsWith('.jsonl') && fs.lstatSync(`${dir}/${n}`).isFile());
    expect(files).toHaveLength(JOURNALS_KEPT);
    expect(files).not.toContain('2026-01-01T00-10-00.000Z-fix-1010.jsonl');
    expect(files).toContain('2026-01-01T00-11-00.000Z-fix-1011.jsonl');
  });

  // An old journal whose name is 255 bytes: among thousands an older version left (removed at once, before the new
  // journal is made), and among the few the first change batch removes (the second oldest of 31).
  const longNames = [
    { old: 4200, stamp: '2025-01-01T00-00-00.000Z', where: 'among thousands an older version left' },
    { old: 30, stamp: '2026-01-01T00-00-30.000Z', where: 'among those the first change batch removes' },
  ];
  for (const { old: n, stamp, where } of longNames) {
    it(`keeps the newest journals and removes an old one whose name is 255 bytes, ${where}`, () => {
      const dir = withJournals(n);
      const long = `${stamp}-fix-${'9'.repeat(255 - `${stamp}-fix-.jsonl`.length)}.jsonl`;
      expect(Buffer.byteLength(long)).toBe(255);
      fs.writeFileSync(`${dir}/${long}`, '{}\n', { mode: 0o600 });
      const res = fix({ root: r.dir });
      expect(res.summary.fixed).toBeGreaterThan(0);
      const left = fs.readdirSync(dir);
      expect(left).toHaveLength(JOURNALS_KEPT);
      expect(left).not.toContain(long);
    });
  }

  it('never removes the journal an undo restores from, however old it is', () => {
    r = install({ fileMode: 0o666 });
    const res = fix({ root: r.dir });
    expect(res.summary.fixed).toBeGreaterThan(0);
    const journal = res.journal as string;
    const dir = r.h(`${STATE}/journal`);
    // Thirty journals newer than it: it is the oldest of all.
    old(dir, 30, 2099);
    const u = undo(journal, { root: r.dir });
    expect(u.summary.fixed).toBeGreaterThan(0);
    const left = fs.readdirSync(dir);
    expect(left).toContain(journal.split('/').pop());
    // Nineteen others kept beside the undo's own, and the one it restored from.
    expect(left).toHaveLength(JOURNALS_KEPT + 1);
    expect(left).not.toContain('2099-01-01T00-10-00.000Z-fix-1010.jsonl');
    expect(left).toContain('2099-01-01T00-11-00.000Z-fix-1011.jsonl');
  });

  it('names a journal after the newest where the clock is behind it: the next run keeps it, and undo finds it', () => {
    // Thirty journals made while the clock was ahead (or before it was set back). Named by the clock, this run's
    // journal would sort oldest of all and be the first the next run removes.
    const dir = withJournals(0);
    old(dir, 30, 2099);
    const first = fix({ root: r.dir });
    expect(first.summary.fixed).toBeGreaterThan(0);
    const name = (first.journal as string).split('/').pop() as string;
    expect(name > '2099-01-01T00-29-00.000Z-fix-1029.jsonl').toBe(true);
    expect(name.startsWith('2099-01-01T00-29-00.001Z-fix-')).toBe(true);
    // The header keeps the clock's time.
    const header = JSON.parse(fs.readFileSync(r.h(first.journal as string), 'utf8').split('\n')[0] as string) as { time: string };
    expect(header.time.startsWith('2099')).toBe(false);
    // Drifted again, fixed again: the first run's journal is among the newest, kept.
    for (const f of fs.readdirSync(r.h(SPOOL), { recursive: true }) as string[]) if (fs.lstatSync(r.h(`${SPOOL}/${f}`)).isFile()) fs.chmodSync(r.h(`${SPOOL}/${f}`), 0o666);
    const second = fix({ root: r.dir });
    expect(second.summary.fixed).toBeGreaterThan(0);
    const left = fs.readdirSync(dir);
    expect(left).toContain(name);
    expect(left).toHaveLength(JOURNALS_KEPT);
    const u = undo(second.journal as string, { root: r.dir });
    expect(u.summary.fixed).toBe(second.summary.fixed);
  });

  it('keeps the newest journals when a run creates its journal and changes nothing under it', () => {
    // Every drifted entry is the service account's, and its share of the journal is ten bytes: each is refused,
    // no change batch is ever made, and the journal, created for the first of them, is closed with the run.
    const dir = withJournals(30);
    const res = fix({ root: r.dir, journalMaxBytes: 10 });
    expect(res.summary.fixed).toBe(0);
    expect(res.summary.refused).toBeGreaterThan(0);
    expect(res.journal).not.toBeNull();
    const journals = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
    expect(journals).toHaveLength(JOURNALS_KEPT);
    const header = JSON.parse(fs.readFileSync(r.h(res.journal as string), 'utf8').split('\n')[0] as string) as { command: string };
    expect(header.command).toBe('fix');
  });
});
