/**
 * The upgrade diff on plain data: each `since` class, which targets come back from the snapshot, and a
 * re-created service account, driven through the since step in the pipeline's order.
 */
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotHeader } from '../../src/snapshot/format.js';
import { SnapshotIndex } from '../../src/snapshot/snapshot-index.js';
import { sinceStep } from '../../src/upgrade/since.js';
import type { Entry, Finding, Verdict } from '../../src/types.js';
import { entry, fakeBound, fakePipeline, fakeUsers } from './fakes.js';

function snapshot(user = { name: 'ecuser', id: 500 }, rows: [string, Entry['type'], number, number, number][] = []): SnapshotIndex {
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    created: '2026-11-26T10:00:00.000Z',
    root: '/',
    configFile: '/c',
    user,
    group: user,
    trees: ['/opt', '/free'],
    excluded: ['/opt/spool'],
  };
  const s = new SnapshotIndex(header);
  for (const [p, t, u, g, m] of rows) s.add(p, t, u, g, m, 1, 1);
  return s;
}

/** Run entries through the since step and collect the verdicts and findings the sink received. */
function run(snap: SnapshotIndex, entries: Entry[], o: { bound?: ReturnType<typeof fakeBound>; users?: ReturnType<typeof fakeUsers> } = {}) {
  const bound = o.bound ?? fakeBound({ trees: [{ path: '/opt' }, { path: '/free' }] });
  const findings: Finding[] = [];
  const verdicts = new Map<string, Verdict>();
  const session = sinceStep(snap, { users: o.users ?? fakeUsers([['root', 0], ['ecuser', 500]], [['root', 0], ['ecuser', 500]]) });
  const sink = { verdict: (v: Verdict) => void (findings.push(...v.findings), verdicts.set(v.entry.path, v)), finding: (f: Finding) => void findings.push(f) };
  fakePipeline(bound, entries, sink, session);
  const sinceOf = (p: string) => [...new Set(findings.filter((f) => f.path === p).map((f) => f.since))];
  return { findings, verdicts, session, sinceOf, target: (p: string) => verdicts.get(p)?.target };
}

describe('since: how each finding relates to the snapshot', () => {
  const snap = () =>
    snapshot(undefined, [
      ['/opt/pre', 'file', 0, 0, 0o644],
      ['/opt/reset', 'file', 500, 500, 0o600],
      ['/opt/dir-was', 'dir', 500, 500, 0o750],
      ['/opt/bad-before', 'file', 500, 500, 0o666],
    ]);

  it('preexisting: as the snapshot recorded it; the rules decide the target', () => {
    const r = run(snap(), [entry('/opt/pre', 0, 0, 0o644)]);
    expect(r.sinceOf('/opt/pre')).toEqual(['preexisting']);
    expect(r.target('/opt/pre')).toEqual({ uid: 500, gid: 500, mode: 0o640 });
  });

  it('changed-by-upgrade, and the allowed snapshot values come back instead of the rules minimum', () => {
    const r = run(snap(), [entry('/opt/reset', 0, 0, 0o644)]);
    expect(r.sinceOf('/opt/reset')).toEqual(['changed-by-upgrade']);
    expect(r.target('/opt/reset')).toEqual({ uid: 500, gid: 500, mode: 0o600 });
    expect(r.session.counts()).toMatchObject({ restored: 1, findings: { 'changed-by-upgrade': 3 } });
  });

  it('a compliant entry the upgrade changed is listed, and its local choice restored', () => {
    const r = run(snap(), [entry('/opt/reset', 500, 500, 0o640)]);
    expect(r.findings).toEqual([]);
    expect(r.target('/opt/reset')).toEqual({ uid: 500, gid: 500, mode: 0o600 });
    expect(r.session.changedCompliant()).toEqual({
      total: 1,
      entries: [{ path: '/opt/reset', type: 'file', before: { uid: 500, gid: 500, mode: 0o600 }, now: { uid: 500, gid: 500, mode: 0o640 }, restore: true }],
    });
  });

  it('snapshot values the rules do not allow are not restored', () => {
    const r = run(snap(), [entry('/opt/bad-before', 0, 0, 0o644)]);
    expect(r.sinceOf('/opt/bad-before')).toEqual(['changed-by-upgrade']);
    expect(r.target('/opt/bad-before')).toEqual({ uid: 500, gid: 500, mode: 0o640 });
    expect(r.session.counts().restored).toBe(0);
  });

  it('a type change is a change, but a directory mode is never put on a file', () => {
    const r = run(snap(), [entry('/opt/dir-was', 0, 0, 0o644)]);
    expect(r.sinceOf('/opt/dir-was')).toEqual(['changed-by-upgrade']);
    expect(r.target('/opt/dir-was')).toEqual({ uid: 500, gid: 500, mode: 0o640 });
  });

  it('new: absent from a place the snapshot covered; unrecorded where it did not look', () => {
    const r = run(snap(), [entry('/opt/added', 0, 0, 0o644), entry('/opt/spool/1', 0, 0, 0o644), entry('/elsewhere', 0, 0, 0o644)]);
    expect(r.sinceOf('/opt/added')).toEqual(['new']);
    expect(r.sinceOf('/opt/spool/1')).toEqual(['unrecorded']);
    expect(r.sinceOf('/elsewhere')).toEqual(['unrecorded']);
    expect(r.session.counts().findings).toEqual({ 'changed-by-upgrade': 0, preexisting: 0, new: 3, unrecorded: 6 });
  });

  it('a compliant entry as it was is passed on untouched', () => {
    const s = snapshot(undefined, [['/opt/ok', 'file', 500, 500, 0o640]]);
    const e = entry('/opt/ok', 500, 500, 0o640);
    const bound = fakeBound({ trees: [{ path: '/opt' }] });
    const plain = bound.check(e, '/opt');
    const r = run(s, [e], { bound });
    expect(r.verdicts.get('/opt/ok')).toEqual(plain);
    expect(r.session.changedCompliant().total).toBe(0);
  });

  it('a required path that the upgrade removed is changed-by-upgrade', () => {
    const s = snap();
    const got: Finding[] = [];
    const session = sinceStep(s, { users: fakeUsers([], []) });
    const missing = (path: string): Finding => ({ path, check: 'missing', expected: 'exists', actual: 'missing', rule: 'r:1', message: 'm' });
    got.push(session.finding(missing('/opt/reset')));
    got.push(session.finding(missing('/opt/never')));
    expect(got.map((f) => f.since)).toEqual(['changed-by-upgrade', 'preexisting']);
  });
});

describe('a re-created service account', () => {
  const bound501 = () => fakeBound({ trees: [{ path: '/opt' }, { path: '/free' }], user: { name: 'ecuser', id: 501 }, group: { name: 'ecuser', id: 501 }, knownUids: [0, 501] });
  const users = fakeUsers([['root', 0], ['ecuser', 501]], [['root', 0], ['ecuser', 501]]);

  it('carries the old ids over everywhere, spool included, and says so in one line', () => {
    const s = snapshot({ name: 'ecuser', id: 500 }, [['/opt/conf', 'file', 500, 500, 0o600]]);
    const r = run(s, [entry('/opt/conf', 500, 500, 0o600), entry('/opt/spool/1', 500, 500, 0o640), entry('/free/x', 500, 500, 0o640)], { bound: bound501(), users });
    // Unchanged on disk, but its owner is no one now: the upgrade changed it, the snapshot's (carried) values return.
    expect(r.sinceOf('/opt/conf')).toEqual(['changed-by-upgrade']);
    expect(r.target('/opt/conf')).toEqual({ uid: 501, gid: 501, mode: 0o600 });
    expect(r.target('/opt/spool/1')).toEqual({ uid: 501, gid: 501, mode: 0o640 });
    // Where the rules name no owner, only the carried-over id gives a target.
    expect(r.target('/free/x')).toEqual({ uid: 501, gid: 501, mode: 0o640 });
    expect(r.session.notices()).toEqual([
      'user ecuser was re-created: id 500 in the snapshot, 501 now; 3 entries still owned by 500 (no passwd entry now) go to ecuser (501) on fix',
      'group ecuser was re-created: id 500 in the snapshot, 501 now; 3 entries still owned by 500 (no group entry now) go to ecuser (501) on fix',
    ]);
    // The spool file's target came from the rules (owner $user) already; only /free/x needed carrying over.
    expect(r.session.counts()).toMatchObject({ remapped: 1, restored: 1 });
  });

  it('leaves the old id alone when another account holds it now', () => {
    const taken = fakeUsers([['root', 0], ['ecuser', 501], ['postfix', 500]], [['root', 0], ['ecuser', 501]]);
    const s = snapshot({ name: 'ecuser', id: 500 }, []);
    const r = run(s, [entry('/free/x', 500, 501, 0o640)], { bound: bound501(), users: taken });
    expect(r.target('/free/x')).toBeNull();
    expect(r.session.notices()[0]).toBe('user ecuser was re-created: id 500 in the snapshot, 501 now; id 500 now belongs to postfix: its 1 entries are left as they are');
  });

  it('names a change of account (not a re-creation) as such', () => {
    const s = snapshot({ name: 'olduser', id: 500 }, []);
    const r = run(s, [], { bound: bound501(), users });
    expect(r.session.notices()[0]).toMatch(/^user changed from olduser \(500\) in the snapshot to ecuser \(501\)/);
  });

  it('no notice when the ids match', () => {
    const r = run(snapshot(), [entry('/opt/x', 500, 500, 0o640)]);
    expect(r.session.notices()).toEqual([]);
  });
});

describe('the since step between the compare and any sink', () => {
  it('annotates what the sink sees and reports on the run', () => {
    const s = snapshot(undefined, [['/opt/reset', 'file', 500, 500, 0o600]]);
    const w = sinceStep(s, { users: fakeUsers([], []) });
    const targets: unknown[] = [];
    fakePipeline(fakeBound({ trees: [{ path: '/opt' }] }), [entry('/opt/reset', 500, 500, 0o640)], { verdict: (v) => void targets.push(v.target) }, w);
    expect(targets).toEqual([{ uid: 500, gid: 500, mode: 0o600 }]);
    expect(w.changedCompliant().total).toBe(1);
  });
});

describe('sinceLines: what --since adds to a text report', () => {
  it('notices, counts by since, and the changed entries that still comply', async () => {
    const { sinceLines } = await import('../../src/report/since.js');
    const s = snapshot({ name: 'ecuser', id: 500 }, [
      ['/opt/reset', 'file', 500, 500, 0o600],
      ['/opt/pre', 'file', 0, 0, 0o644],
    ]);
    const bound = fakeBound({ trees: [{ path: '/opt' }], user: { name: 'ecuser', id: 501 }, group: { name: 'ecuser', id: 500 }, knownUids: [0, 501] });
    const users = fakeUsers([['root', 0], ['ecuser', 501]], [['root', 0], ['ecuser', 500]]);
    const r = run(s, [entry('/opt/reset', 501, 500, 0o640), entry('/opt/pre', 0, 0, 0o644), entry('/opt/added', 0, 0, 0o644)], { bound, users });
    expect(sinceLines(r.session)).toEqual([
      'note: user ecuser was re-created: id 500 in the snapshot, 501 now; 0 entries still owned by 500 (no passwd entry now) go to ecuser (501) on fix',
      'Since the snapshot of 2026-11-26T10:00:00.000Z: 0 findings changed by the upgrade, 3 preexisting, 3 new.',
      '1 entry the upgrade changed still complies:',
      '  /opt/reset  500:500 0600 → 501:500 0640  (fix --since restores it)',
      'fix --since would give 1 entries their pre-upgrade values and 0 a re-created account\'s new id.',
    ]);
  });
});
