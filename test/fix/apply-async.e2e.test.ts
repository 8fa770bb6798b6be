/**
 * The native path changes a journaled batch on the helper thread while the next is pinned and judged
 * (changeStart/changeWait). Every entry must still be judged as the pure-JS path (synchronous changes)
 * judges it, whatever the batch boundaries, and against the directories as the fix leaves them even where
 * an inode of the batch is reached under another name (renamed by its owner, or a bind mount).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Applier } from '../../src/fix/apply.js';
import { JournalWriter } from '../../src/fix/journal.js';
import { undo } from '../../src/fix/undo.js';
import { openState } from '../../src/io/state.js';
import { makeRoot } from '../../src/io/fs.js';
import { nativeFs, useNative } from '../../src/io/native.js';
import type { ChangeRequest, JournalHeader } from '../../src/fix/types.js';
import type { Outcome } from '../../src/types.js';
import { asRoot } from '../support/root.js';
import { applyRequests, ECGROUP, ECUSER, file, mkdir, perms, requestFor, SERVICE, snapshot, tempRoot, type TempRoot } from './helpers.js';
import { BIN, install, SPOOL } from './install.js';
import { fix } from '../../src/pipeline.js';

const OPT = '/opt/msys/ecelerity';
const STATE = '/var/lib/momentum-perms';
let roots: TempRoot[] = [];
afterEach(() => {
  for (const r of roots) r.cleanup();
  roots = [];
  useNative(true);
});

/** A fresh root with OPT, the state directory, and OPT/q holding root's files f0, f1, … at `modes`. */
function qRoot(modes: number[]): TempRoot {
  const r = tempRoot();
  roots.push(r);
  mkdir(r.h(OPT), 0, 0, 0o755);
  mkdir(r.h(STATE), 0, 0, 0o700);
  mkdir(r.h(OPT + '/q'), 0, 0, 0o755);
  modes.forEach((m, i) => file(r.h(`${OPT}/q/f${i}`), 0, 0, m));
  return r;
}

/** A fresh tree: dirs the fix makes root's (ecuser's now), each with files judged against them. */
function build(dirs: number, files: number, fillers: number): { r: TempRoot; reqs: ChangeRequest[] } {
  const r = tempRoot();
  roots.push(r);
  mkdir(r.h(OPT), 0, 0, 0o755);
  mkdir(r.h(STATE), 0, 0, 0o700);
  mkdir(r.h(OPT + '/fill'), 0, 0, 0o755);
  for (let i = 0; i < fillers; i++) file(r.h(`${OPT}/fill/f${i}`), 0, 0, 0o644);
  for (let d = 0; d < dirs; d++) {
    mkdir(r.h(`${OPT}/d${d}`), ECUSER, ECGROUP, 0o775);
    for (let f = 0; f < files; f++) file(r.h(`${OPT}/d${d}/x${f}`), 0, ECGROUP, f % 2 === 0 ? 0o755 : 0o644);
  }
  const ROOT755 = { uid: 0, gid: 0, mode: 0o755 };
  const reqs: ChangeRequest[] = [];
  for (let i = 0; i < fillers; i++) reqs.push(requestFor(r, `${OPT}/fill/f${i}`, OPT, { uid: 0, gid: 0, mode: 0o600 }));
  // All directories first, then their children: directory d's change may be in flight when its children come.
  for (let d = 0; d < dirs; d++) reqs.push(requestFor(r, `${OPT}/d${d}`, OPT, ROOT755));
  for (let d = 0; d < dirs; d++) {
    for (let f = 0; f < files; f++) {
      // Even: setuid root (refused below a directory ecuser writes); odd: root's 0600.
      reqs.push(requestFor(r, `${OPT}/d${d}/x${f}`, OPT, f % 2 === 0 ? { uid: 0, gid: 0, mode: 0o4755 } : { uid: 0, gid: 0, mode: 0o600 }));
    }
  }
  return { r, reqs };
}

function run(r: TempRoot, reqs: ChangeRequest[], batchSize: number, o: { beforeApply?: () => void; between?: () => void; clock?: () => number; pinAhead?: boolean } = {}): Outcome[] {
  return applyRequests(r, reqs, { batchSize, ...o });
}

const key = (o: Outcome): string => `${o.path} ${o.outcome}${o.reason ? ' ' + o.reason : ''}`;

describe.runIf(asRoot && nativeFs() !== null)('async change batch: native judges as the synchronous path does', () => {
  it('same outcomes, order aside, for every batch size and boundary, whether each directory\'s names are posted ahead or pinned when drained', () => {
    for (const batchSize of [1, 2, 3, 5, 8, 16, 70]) {
      for (const fillers of [0, 1, 3, 66]) {
        const got: Record<string, string[]> = {};
        for (const way of ['ahead', 'drained', 'pure-js'] as const) {
          useNative(way !== 'pure-js');
          const { r, reqs } = build(4, 6, fillers);
          got[way] = run(r, reqs, batchSize, { pinAhead: way === 'ahead' }).map(key).sort();
        }
        expect(got['ahead'], `batch ${batchSize} fillers ${fillers}`).toEqual(got['pure-js']);
        expect(got['drained'], `batch ${batchSize} fillers ${fillers}`).toEqual(got['pure-js']);
      }
    }
    // Groups large enough for the helper thread to be woken for them (16 names waiting), not only opened by pinTake.
    for (const batchSize of [16, 70, 1024]) {
      const got: Record<string, string[]> = {};
      for (const way of ['ahead', 'drained', 'pure-js'] as const) {
        useNative(way !== 'pure-js');
        const { r, reqs } = build(3, 40, 66);
        got[way] = run(r, reqs, batchSize, { pinAhead: way === 'ahead' }).map(key).sort();
      }
      expect(got['ahead'], `batch ${batchSize}, 40 a directory`).toEqual(got['pure-js']);
      expect(got['drained'], `batch ${batchSize}, 40 a directory`).toEqual(got['pure-js']);
    }
  });


  it('undo of such a run restores everything on both paths', () => {
    for (const batchSize of [1, 3, 16]) {
      for (const native of [true, false]) {
        useNative(native);
        const { r, reqs } = build(3, 5, 2);
        const before = snapshot(r.dir);
        run(r, reqs, batchSize);
        const u = undo('/var/lib/momentum-perms/journal/j.jsonl', { root: r.dir, batchSize, journal: '/var/lib/momentum-perms/undo.jsonl' });
        expect(u.summary.failed + u.summary.refused, `native ${native} batch ${batchSize}`).toBe(0);
        const after = snapshot(r.dir);
        for (const [p, s] of before) if (!p.includes('momentum-perms')) expect(after.get(p), p).toEqual(s);
      }
    }
  });

  /** A root with OPT, the state directory and OPT/q holding 3,000 root files: enough for a batch in flight. */
  function filledRoot(): { r: ReturnType<typeof tempRoot>; n: number } {
    const n = 3000;
    const r = qRoot(Array.from({ length: n }, () => 0o644));
    return { r, n };
  }

  /** A root with OPT, the state directory and root's directories `dirs` below OPT. */
  function bareRoot(dirs: string[]): TempRoot {
    const r = tempRoot();
    roots.push(r);
    mkdir(r.h(OPT), 0, 0, 0o755);
    mkdir(r.h(STATE), 0, 0, 0o700);
    for (const d of dirs) mkdir(r.h(`${OPT}/${d}`), 0, 0, 0o755);
    return r;
  }

  const journalLines = (r: TempRoot): string[] => fs.readFileSync(r.h(STATE + '/journal/j.jsonl'), 'utf8').trim().split('\n');

  it('an inode reached again under a second name while its batch is in flight is judged as that batch leaves it', () => {
    // The walk saw one file at A and, renamed by its owner, at B; A is the last of a big batch.
    for (const native of [true, false]) {
      useNative(native);
      const { r, n } = filledRoot();
      file(r.h(`${OPT}/q/zA`), 0, 0, 0o644);
      const T = { uid: 0, gid: 0, mode: 0o600 };
      const reqs = [...Array.from({ length: n }, (_, i) => requestFor(r, `${OPT}/q/f${i}`, OPT, T)), requestFor(r, `${OPT}/q/zA`, OPT, T)];
      const b = { ...requestFor(r, `${OPT}/q/zA`, OPT, T), path: `${OPT}/q/zB` };
      let batches = 0;
      const out = run(r, [...reqs, b], n + 1, {
        beforeApply: () => {
          if (++batches === 1) fs.renameSync(r.h(`${OPT}/q/zA`), r.h(`${OPT}/q/zB`));
        },
      });
      expect(out.filter((o) => /\/z[AB]$/.test(o.path)).map(key), `native ${native}`).toEqual([`${OPT}/q/zA fixed`, `${OPT}/q/zB unchanged`]);
      // One journal line for the inode: B was never recorded as a second change from A's old values.
      expect(journalLines(r).filter((l) => l.includes('/zB'))).toEqual([]);
    }
  });

  it('an inode reached again under a second name while its change is still pending in the same batch is judged as that change leaves it', () => {
    // The walk saw one file at q/zA and, renamed by its owner into another directory, at q2/zB; both come
    // before the batch is full.
    for (const native of [true, false]) {
      useNative(native);
      const r = bareRoot(['q', 'q2', 'q3']);
      file(r.h(`${OPT}/q/zA`), 0, 0, 0o644);
      file(r.h(`${OPT}/q3/y`), 0, 0, 0o644);
      const T = { uid: 0, gid: 0, mode: 0o600 };
      const a = requestFor(r, `${OPT}/q/zA`, OPT, T);
      const reqs = [a, requestFor(r, `${OPT}/q3/y`, OPT, T), { ...a, path: `${OPT}/q2/zB` }];
      let calls = 0;
      // The rename comes before the third request: zA is pinned by then on both paths (natively, when the
      // second one's directory began), and its change not made yet. The clock stands still: the batch is
      // never applied for its age (on a slow machine it would be, and zB would meet the batch in flight).
      const out = run(r, reqs, 100, { clock: () => 0, between: () => ++calls === 2 && fs.renameSync(r.h(`${OPT}/q/zA`), r.h(`${OPT}/q2/zB`)) });
      expect(out.filter((o) => /\/z[AB]$/.test(o.path)).map(key), `native ${native}`).toEqual([`${OPT}/q/zA fixed`, `${OPT}/q2/zB unchanged`]);
      expect(perms(r.h(`${OPT}/q2/zB`)).mode).toBe(0o600);
      // One journal line for the inode: zB was never recorded as a second change from zA's old values.
      expect(journalLines(r).filter((l) => l.includes('/zB'))).toEqual([]);
    }
  });

  it('every second name in one directory of inodes whose changes are pending is judged as those changes leave them, not only the first', () => {
    // q2 is q (a bind mount): q2/a, q2/b and q2/c are pinned together, after q/a, q/b and q/c were judged
    // and before their changes are made. Judging q2/a makes the batch wait; q2/b and q2/c must then not be
    // judged from the values read when they were pinned.
    for (const native of [true, false]) {
      useNative(native);
      const r = bareRoot(['q', 'q2', 'o']);
      for (const x of ['a', 'b', 'c']) file(r.h(`${OPT}/q/${x}`), 0, 0, 0o644);
      execFileSync('mount', ['--bind', r.h(`${OPT}/q`), r.h(`${OPT}/q2`)]);
      try {
        const T = { uid: 0, gid: 0, mode: 0o600 };
        const first = ['a', 'b', 'c'].map((x) => requestFor(r, `${OPT}/q/${x}`, OPT, T));
        const second = first.map((q) => ({ ...q, path: q.path.replace('/q/', '/q2/') }));
        // Pending: a clock that stands still keeps q's changes in the current batch. In flight: a file of
        // another directory between the groups, and a clock that runs, send q's changes off when o's group
        // begins; q2's group is pinned while they are made.
        for (const when of ['pending', 'in flight']) {
          for (const x of ['a', 'b', 'c']) fs.chmodSync(r.h(`${OPT}/q/${x}`), 0o644);
          file(r.h(`${OPT}/o/x`), 0, 0, 0o644);
          let t = 0;
          const reqs = when === 'pending' ? [...first, ...second] : [...first, requestFor(r, `${OPT}/o/x`, OPT, T), ...second];
          fs.rmSync(r.h(STATE + '/journal/j.jsonl'), { force: true });
          const out = run(r, reqs, 100, { clock: when === 'pending' ? () => 0 : () => (t += 100) }).map(key);
          const what = `native ${native}, ${when}`;
          expect(out.filter((o) => o.includes('/q/')).sort(), what).toEqual(['a', 'b', 'c'].map((x) => `${OPT}/q/${x} fixed`));
          expect(out.filter((o) => o.includes('/q2/')).sort(), what).toEqual(['a', 'b', 'c'].map((x) => `${OPT}/q2/${x} unchanged`));
          expect(journalLines(r).filter((l) => l.includes('/q2/')), what).toEqual([]);
        }
      } finally {
        execFileSync('umount', [r.h(`${OPT}/q2`)]);
      }
    }
  });

  // safer: the fix makes D root's (its entries may then be fixed); riskier: the fix gives D to ecuser, after
  // which no setuid-root file may be made in it (judged against D as it was, one would be).
  const cases = [
    { what: 'in flight', batchSize: 3001, dir: { uid: ECUSER, gid: ECGROUP, mode: 0o775 }, to: { uid: 0, gid: 0, mode: 0o755 }, x: 'fixed' },
    { what: 'pending', batchSize: 10_000, dir: { uid: ECUSER, gid: ECGROUP, mode: 0o775 }, to: { uid: 0, gid: 0, mode: 0o755 }, x: 'fixed' },
    { what: 'in flight', batchSize: 3001, dir: { uid: 0, gid: 0, mode: 0o755 }, to: { uid: ECUSER, gid: ECGROUP, mode: 0o750 }, x: 'refused unsafe-parent' },
    { what: 'pending', batchSize: 10_000, dir: { uid: 0, gid: 0, mode: 0o755 }, to: { uid: ECUSER, gid: ECGROUP, mode: 0o750 }, x: 'refused unsafe-parent' },
  ];
  for (const { what, batchSize, dir, to, x } of cases) {
    it(`a directory reached under a second name while its change (to ${to.uid}:${to.gid} ${to.mode.toString(8)}) is ${what}: what is below is judged as the change leaves it`, () => {
      for (const native of [true, false]) {
        useNative(native);
        const { r, n } = filledRoot();
        mkdir(r.h(`${OPT}/q/D`), dir.uid, dir.gid, dir.mode);
        file(r.h(`${OPT}/q/D/x0`), 0, ECGROUP, 0o755);
        file(r.h(`${OPT}/q/D/x1`), 0, ECGROUP, 0o644);
        // The same directory (same device, same inode) under a second name: a bind mount.
        mkdir(r.h(`${OPT}/D2`), 0, 0, 0o755);
        execFileSync('mount', ['--bind', r.h(`${OPT}/q/D`), r.h(`${OPT}/D2`)]);
        try {
          const T = { uid: 0, gid: 0, mode: 0o600 };
          const reqs = [
            ...Array.from({ length: n }, (_, i) => requestFor(r, `${OPT}/q/f${i}`, OPT, T)),
            requestFor(r, `${OPT}/q/D`, OPT, to),
            requestFor(r, `${OPT}/D2/x0`, OPT, { uid: 0, gid: 0, mode: 0o4755 }),
            requestFor(r, `${OPT}/D2/x1`, OPT, T),
          ];
          const got = run(r, reqs, batchSize).filter((o) => o.path.includes('D')).map(key).sort();
          expect(got, `native ${native}`).toEqual([`${OPT}/D2/x0 ${x}`, `${OPT}/D2/x1 ${x}`, `${OPT}/q/D fixed`]);
          if (x !== 'fixed') expect(perms(r.h(`${OPT}/D2/x0`)).mode).toBe(0o755);
        } finally {
          execFileSync('umount', [r.h(`${OPT}/D2`)]);
        }
      }
    });
  }
});

describe.runIf(asRoot)('a dry run plans as the real run changes', () => {
  it('a directory under a second name (a bind mount) is planned once, as the real run changes it once', () => {
    for (const native of nativeFs() !== null ? [true, false] : [false]) {
      useNative(native);
      const outcomes: Record<string, string[]> = {};
      for (const dryRun of [true, false]) {
        const r = tempRoot();
        roots.push(r);
        mkdir(r.h(OPT), 0, 0, 0o755);
        mkdir(r.h(STATE), 0, 0, 0o700);
        mkdir(r.h(`${OPT}/q`), 0, 0, 0o755);
        mkdir(r.h(`${OPT}/q/D`), ECUSER, ECGROUP, 0o775);
        mkdir(r.h(`${OPT}/D2`), 0, 0, 0o755);
        execFileSync('mount', ['--bind', r.h(`${OPT}/q/D`), r.h(`${OPT}/D2`)]);
        try {
          const T = { uid: 0, gid: 0, mode: 0o755 };
          const reqs = [requestFor(r, `${OPT}/q/D`, OPT, T), requestFor(r, `${OPT}/D2`, OPT, T)];
          outcomes[String(dryRun)] = applyRequests(r, reqs, { dryRun }).map((o) => `${o.path} ${o.message === 'planned' ? 'planned' : o.outcome}`);
          if (dryRun) expect(perms(r.h(`${OPT}/q/D`)), `native ${native}`).toMatchObject({ uid: ECUSER, mode: 0o775 });
        } finally {
          execFileSync('umount', [r.h(`${OPT}/D2`)]);
        }
      }
      expect(outcomes['true'], `native ${native}`).toEqual([`${OPT}/q/D planned`, `${OPT}/D2 unchanged`]);
      expect([...(outcomes['false'] ?? [])].sort(), `native ${native}`).toEqual([`${OPT}/D2 unchanged`, `${OPT}/q/D fixed`]);
    }
  });
});

describe.runIf(asRoot && nativeFs() !== null)('async change batch: descriptors', () => {
  it('two batches open at once stay inside a low RLIMIT_NOFILE, below a spool directory as deep as the service account likes', () => {
    // With half the limit for each batch, a batch being changed and the next being pinned used it all
    // (1024 at the sampled peak) and the deepest entries failed with EMFILE.
    const r = install({ dirs: 1, files: 0 });
    roots.push(r);
    let p = `${SPOOL}/0`;
    for (let i = 0; i < 200; i++) mkdir(r.h((p += '/d')), ECUSER, ECGROUP, 0o750);
    for (let i = 0; i < 4000; i++) file(r.h(`${p}/m${i}`), ECUSER, ECGROUP, 0o644, '');
    const res = spawnSync('prlimit', ['--nofile=1024:1024', process.execPath, BIN, 'fix', '--root', r.dir, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).summary).toMatchObject({ fixed: 4000, failed: 0 });
  }, 120_000);
});

describe.runIf(asRoot && nativeFs() !== null)('async change batch: a sink that throws', () => {
  /**
   * A root with `${OPT}/q/f0…` at `modes`, the requests that make each root's 0600, and an Applier (batches of
   * 100) whose every outcome fails, like a report written to a closed pipe; `release` closes its journal and
   * the state directory.
   */
  function closedPipe(modes: number[], o: { pinAhead?: boolean } = {}): { r: TempRoot; reqs: ChangeRequest[]; a: Applier; release: () => void } {
    const r = qRoot(modes);
    const T = { uid: 0, gid: 0, mode: 0o600 };
    const reqs = modes.map((_, i) => requestFor(r, `${OPT}/q/f${i}`, OPT, T));
    const state = openState(makeRoot(r.dir), STATE);
    const header: JournalHeader = { journal: 'momentum-perms', version: 1, command: 'fix', root: r.dir, time: '', pid: process.pid, service: SERVICE };
    let j: JournalWriter | undefined;
    const a = new Applier({
      rootDir: r.dir,
      dryRun: false,
      batchSize: 100,
      ...(o.pinAhead !== undefined ? { pinAhead: o.pinAhead } : {}),
      journal: () => (j ??= JournalWriter.create(state.journals().fd, 'j.jsonl', '/j.jsonl', header)),
      sink: { outcome: () => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); } },
    });
    return { r, reqs, a, release: () => { j?.close(); state.close(); } };
  }
  const fds = (): number => fs.readdirSync('/proc/self/fd').length;

  // Already as wanted from the 101st: thrown judging the next batch; all to change: thrown reporting the batch
  // in flight when the next one is started (journaled, never started: closed by flush()).
  for (const unchangedFrom of [100, 300]) it(`a sink throwing (EPIPE) while a batch is in flight (${unchangedFrom === 100 ? 'judging' : 'starting'} the next): abandon() still waits for it, every descriptor and the chain are closed`, () => {
    const open = fds();
    const { r, reqs, a, release } = closedPipe(Array.from({ length: 300 }, (_, i) => (i < unchangedFrom ? 0o644 : 0o600)));
    // The first 100 are journaled and in flight when the 101st, already as wanted, is reported.
    expect(() => {
      for (const q of reqs) a.submit(q);
      a.close();
    }).toThrow('EPIPE');
    try {
      a.abandon();
    } catch {
      // the sink again
    }
    release();
    expect(fds()).toBe(open);
    // The batch in flight was made whole all the same (it was journaled), and every change of it counted, though
    // the sink threw at its first outcome: a run stopped here reports what it changed (onStopped).
    for (let i = 0; i < 100; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o600);
    expect(a.summary.fixed).toBe(100);
    expect(a.summary.failed).toBe(0);
  });

  // The helper thread exists only with two CPUs or more and MOMENTUM_PERMS_THREADS unset.
  it.runIf(os.availableParallelism() >= 2 && process.env.MOMENTUM_PERMS_THREADS === undefined)('posts a directory\'s names ahead: the helper thread pins them before the group is drained, not with pinAhead false', () => {
    for (const pinAhead of [true, false]) {
      const { r, reqs, a, release } = closedPipe(Array.from({ length: 64 }, () => 0o644), { pinAhead });
      // The first opens the directory's chain (and the group, posted ahead).
      a.submit(reqs[0] as ChangeRequest);
      const open = fds();
      for (const q of reqs.slice(1)) a.submit(q);
      // Not drained yet (the group waits for its next directory): posted ahead, its names are opened meanwhile,
      // those the helper thread was woken for (16 waiting): 48 of 64 at least.
      let seen = fds() - open;
      for (const end = Date.now() + (pinAhead ? 10_000 : 300); seen < 48 && Date.now() < end; ) seen = fds() - open;
      if (pinAhead) expect(seen).toBeGreaterThanOrEqual(48);
      else expect(seen).toBe(0);
      a.abandon();
      release();
      for (let i = 0; i < 64; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o644);
    }
  });

  it('a run stopped with a directory\'s names posted ahead: abandon() waits for their opens and closes every descriptor', () => {
    const open = fds();
    const { r, reqs, a, release } = closedPipe(Array.from({ length: 40 }, () => 0o644));
    // Submitted, never drained: the group is still posted when the run stops.
    for (const q of reqs) a.submit(q);
    a.abandon();
    release();
    expect(fds()).toBe(open);
    for (let i = 0; i < 40; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o644);
    // The helper thread's group was given back (where there is one): the next can be opened.
    const n = nativeFs();
    if (n?.pinOpen !== undefined && n.pinTake !== undefined && os.availableParallelism() >= 2 && process.env.MOMENTUM_PERMS_THREADS === undefined) {
      const dir = fs.openSync('/', 'r');
      try {
        expect(n.pinOpen(dir, 0, 1)).toBe(true);
        expect(n.pinTake(new Int32Array(1), new Float64Array(6), new Int32Array(1))).toBe(0);
      } finally {
        fs.closeSync(dir);
      }
    }
  });

  it('an undo stopped by its sink while judging a name no lookup takes, its group posted: nothing left open, and the next undo in the process runs', () => {
    const r = qRoot(Array.from({ length: 20 }, () => 0o644));
    applyRequests(r, Array.from({ length: 20 }, (_, i) => requestFor(r, `${OPT}/q/f${i}`, OPT, { uid: 0, gid: 0, mode: 0o600 })), { batchSize: 100 });
    const j = r.h(`${STATE}/journal/j.jsonl`);
    const last = JSON.parse(fs.readFileSync(j, 'utf8').trim().split('\n').pop() as string) as Record<string, unknown>;
    // A journal edited by root: its newest record a name no lookup takes (judged first, by verify(), as its group is
    // drained; the other 20 names of the group are posted ahead).
    fs.appendFileSync(j, JSON.stringify({ ...last, path: `${OPT}/q/${'x'.repeat(4100)}` }) + '\n');
    const open = fds();
    expect(() => undo(`${STATE}/journal/j.jsonl`, { root: r.dir, journal: `${STATE}/u1.jsonl`, sink: { outcome: () => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); } } })).toThrow('EPIPE');
    expect(fds()).toBe(open);
    const u = undo(`${STATE}/journal/j.jsonl`, { root: r.dir, journal: `${STATE}/u2.jsonl` });
    expect(u.summary).toMatchObject({ fixed: 20, failed: 1 });
    for (let i = 0; i < 20; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o644);
  });

  it('on the pure-JS path too: a sink that throws while a batch is reported leaves no change of it unmade or uncounted, and no descriptor open', () => {
    useNative(false);
    const open = fds();
    const { r, reqs, a, release } = closedPipe(Array.from({ length: 150 }, () => 0o644));
    expect(() => {
      for (const q of reqs) a.submit(q);
      a.close();
    }).toThrow('EPIPE');
    a.abandon();
    release();
    expect(fds()).toBe(open);
    // The first batch of 100 was journaled: each change made and counted as fixed (never a made-up failure).
    expect(a.summary).toMatchObject({ fixed: 100, failed: 0 });
    for (let i = 0; i < 100; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o600);
    for (let i = 100; i < 150; i++) expect(perms(r.h(`${OPT}/q/f${i}`)).mode).toBe(0o644);
  });
});

describe.runIf(asRoot && nativeFs() !== null)('a fix that fails while a batch is in flight', () => {
  it('reports its own error, not the one the batch in flight then meets, and releases the lock and the journal', () => {
    const r = install();
    roots.push(r);
    // Four of the service account's files to change (one batch of four, started once the walk reaches the
    // next drifted entry, in another tree, and never waited for during the walk), then, in the spool (walked
    // last), a name that is not UTF-8: an error finding, reported.
    for (let i = 0; i < 4; i++) file(r.h(`/opt/msys/ecelerity/etc/conf/default/x${i}.conf`), ECUSER, ECGROUP, 0o666);
    fs.chmodSync(r.h('/var/log/ecelerity/mainlog.ec'), 0o646);
    fs.writeFileSync(Buffer.concat([Buffer.from(r.h(`${SPOOL}/0/`)), Buffer.from([0xff])]), '');
    const thrown: string[] = [];
    const fail = (what: string) => (): void => {
      thrown.push(what);
      throw new Error(`${what} EPIPE`);
    };
    // Like a report written to a closed pipe: the finding's line fails first, then the batch's outcomes.
    expect(() => fix({ root: r.dir, batchSize: 4, sink: { reported: fail('finding'), outcome: fail('outcome') } })).toThrow('finding EPIPE');
    // The batch was waited for after the run failed, each of its four outcomes given to the sink (failing each
    // time: every change is counted all the same), and everything released.
    expect(thrown).toEqual(['finding', 'outcome', 'outcome', 'outcome', 'outcome']);
    expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(false);
    for (let i = 0; i < 4; i++) expect(perms(r.h(`/opt/msys/ecelerity/etc/conf/default/x${i}.conf`)).mode).toBe(0o644);
  });
});

describe.runIf(asRoot && nativeFs() !== null)('async change batch: failures', () => {
  it('an errno in the batch in flight is reported as failed, once, and counted; the rest of the batch is made', () => {
    const r = qRoot(Array.from({ length: 300 }, () => 0o644));
    const T = { uid: 0, gid: 0, mode: 0o600 };
    const reqs = Array.from({ length: 300 }, (_, i) => requestFor(r, `${OPT}/q/f${i}`, OPT, T));
    execFileSync('chattr', ['+i', r.h(`${OPT}/q/f50`)]);
    try {
      const out = run(r, reqs, 100);
      const failed = out.filter((o) => o.outcome === 'failed');
      expect(failed.map((o) => [o.path, o.errno])).toEqual([[`${OPT}/q/f50`, 'EPERM']]);
      expect(out.filter((o) => o.outcome === 'fixed')).toHaveLength(299);
      expect(new Set(out.map((o) => o.path)).size).toBe(300);
    } finally {
      execFileSync('chattr', ['-i', r.h(`${OPT}/q/f50`)]);
    }
  });
});
