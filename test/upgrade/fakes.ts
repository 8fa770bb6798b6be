/**
 * Small stand-ins for the upgrade tests that do not need the rules engine: a BoundRules with one simple
 * policy, a user database, and the pipeline's steps over a list of entries.
 */
import type { Sink } from '../../src/pipeline.js';
import type { SinceStep } from '../../src/upgrade/since.js';
import type { MomentumConfig } from '../../src/config/types.js';
import type { UserDb } from '../../src/io/users.js';
import type { BoundRules, TreeDecl } from '../../src/rules/types.js';
import { octal, type Entry, type Finding, type Summary, type Verdict } from '../../src/types.js';

export interface FakeBoundOptions {
  trees: { path: string; spool?: boolean }[];
  user?: { name: string; id: number };
  group?: { name: string; id: number };
  /** Uids with a passwd entry (orphan findings for the others); default: the service uid and 0. */
  knownUids?: number[];
}

export function fakeConfig(user: { name: string; id: number }, group: { name: string; id: number }): MomentumConfig {
  return {
    configFile: '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
    files: [],
    version: '4.x',
    security: {
      user: { name: user.name, id: user.id, source: 'default' },
      group: { name: group.name, id: group.id, source: 'default' },
      supplementalGroups: [],
      chroot: null,
      capabilities: null,
    },
    paths: [],
    warnings: [],
    settings: {},
  };
}

/**
 * The policy: owner `$user`, group `$group` everywhere except below `/free` (any owner); files at most
 * 0640, directories at most 0750; no id without an entry.
 */
export function fakeBound(o: FakeBoundOptions): BoundRules {
  const user = o.user ?? { name: 'ecuser', id: 500 };
  const group = o.group ?? { name: 'ecuser', id: 500 };
  const knownU = new Set(o.knownUids ?? [0, user.id]);
  const trees: TreeDecl[] = o.trees.map((t, i) => ({ path: t.path, id: `fake.rules:${i + 1}`, origin: 'shipped', spool: t.spool ?? false }));
  const check = (entry: Entry, _parent: string): Verdict => {
    const findings: Finding[] = [];
    const add = (check: Finding['check'], expected: string, actual: string): void =>
      void findings.push({ path: entry.path, check, expected, actual, rule: 'fake.rules:20', message: `${check} differs` });
    const free = entry.path === '/free' || entry.path.startsWith('/free/');
    if (!free && entry.uid !== user.id) add('owner', String(user.id), String(entry.uid));
    if (!free && entry.gid !== group.id) add('group', String(group.id), String(entry.gid));
    if (!knownU.has(entry.uid)) add('orphan', 'a passwd entry', String(entry.uid));
    const max = entry.type === 'dir' ? 0o750 : 0o640;
    if ((entry.mode & ~max) !== 0) add('mode', `at most ${octal(max)}`, octal(entry.mode));
    const fixable = findings.some((f) => f.check === 'owner' || f.check === 'group' || f.check === 'mode');
    return {
      entry,
      findings,
      target: fixable ? { uid: free ? entry.uid : user.id, gid: free ? entry.gid : group.id, mode: entry.mode & max } : null,
      rule: fixable ? 'fake.rules:20' : null,
      tree: trees.find((t) => entry.path === t.path || entry.path.startsWith(t.path + '/'))?.path ?? null,
      typeNamedByRule: false,
      setidAllowed: false,
    };
  };
  return {
    bound: [],
    refused: [],
    rules: { version: '4.x', files: [], trees, rules: [] },
    config: fakeConfig(user, group),
    user,
    group,
    trees,
    outside: [],
    required: [],
    check,
  };
}

/** A user database from lists. */
export function fakeUsers(users: [string, number][], groups: [string, number][]): UserDb {
  return {
    describe: 'fake',
    userByName: (n) => users.filter(([u]) => u === n).map(([name, uid]) => ({ name, uid, gid: uid }))[0],
    userById: (id) => users.filter(([, u]) => u === id).map(([name, uid]) => ({ name, uid, gid: uid }))[0],
    groupByName: (n) => groups.filter(([g]) => g === n).map(([name, gid]) => ({ name, gid }))[0],
    groupById: (id) => groups.filter(([, g]) => g === id).map(([name, gid]) => ({ name, gid }))[0],
  };
}

/** An entry with defaults. */
export function entry(path: string, uid: number, gid: number, mode: number, type: Entry['type'] = 'file', ino = 1): Entry {
  return { path, type, uid, gid, mode, dev: 1, ino, nlink: 1 };
}

/**
 * The pipeline over a fixed list of entries instead of a walk (src/pipeline.ts runPipeline, without the
 * binding): the since step started, then the sink's start, each entry's verdict checked and diffed, the end.
 */
export function fakePipeline(bound: BoundRules, entries: Entry[], sink: Partial<Sink>, since?: SinceStep, users: UserDb = fakeUsers([], [])): Summary {
  since?.start(bound, users);
  sink.start?.(bound);
  let findings = 0;
  for (const e of entries) {
    const parent = e.path.slice(0, Math.max(1, e.path.lastIndexOf('/')));
    const checked = bound.check(e, parent);
    const v = since !== undefined ? since.verdict(checked, parent) : checked;
    findings += v.findings.length;
    sink.verdict?.(v);
  }
  const summary = { examined: entries.length, findings, errors: 0, vanished: 0 };
  sink.end?.({ root: '/', bound, summary, durationMs: 0 });
  return summary;
}
