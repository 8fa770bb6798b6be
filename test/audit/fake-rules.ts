/**
 * A small hand-written BoundRules for the audit's own tests: it checks owner, group, world-writable and
 * "at most 0755 for dirs (memfs checks permission bits even for root), 0640 for files", enough to drive the pipeline without the rules engine.
 */
import type { ConfigPath } from '../../src/config/types.js';
import { config } from '../rules/builders.js';
import type { BoundRules, TreeDecl } from '../../src/rules/types.js';
import { octal, type Entry, type Finding, type Verdict } from '../../src/types.js';

export interface FakeOptions {
  trees: string[];
  uid?: number;
  gid?: number;
  outside?: ConfigPath[];
  required?: { path: string; rule: string }[];
}

export function fakeBound(o: FakeOptions): BoundRules & { calls: { path: string; parent: string }[] } {
  const uid = o.uid ?? 500;
  const gid = o.gid ?? 500;
  const trees: TreeDecl[] = o.trees.map((p, i) => ({ path: p, id: `fake.rules:${i + 1}`, origin: 'shipped', spool: false }));
  const calls: { path: string; parent: string }[] = [];
  const check = (entry: Entry, parent: string): Verdict => {
    calls.push({ path: entry.path, parent });
    const findings: Finding[] = [];
    const f = (check: Finding['check'], expected: string, actual: string, rule: string): void =>
      void findings.push({ path: entry.path, check, expected, actual, rule, message: `${check} differs` });
    if (entry.type === 'symlink') return { entry, findings, target: null, rule: null, tree: o.trees[0] ?? null, typeNamedByRule: false, setidAllowed: false };
    if (entry.uid !== uid) f('owner', String(uid), String(entry.uid), 'fake.rules:10');
    if (entry.gid !== gid) f('group', String(gid), String(entry.gid), 'fake.rules:10');
    const max = entry.type === 'dir' ? 0o755 : 0o640;
    if ((entry.mode & ~max & 0o777) !== 0) f('mode', `at most ${octal(max)}`, octal(entry.mode), 'fake.rules:11');
    if ((entry.mode & 0o002) !== 0 && (entry.mode & 0o1000) === 0) f('world-writable', 'not world-writable', octal(entry.mode), 'builtin:world-writable');
    const fixable = findings.some((x) => x.check === 'owner' || x.check === 'group' || x.check === 'mode');
    return {
      entry,
      findings,
      target: fixable ? { uid, gid, mode: entry.mode & max } : null,
      rule: fixable ? 'fake.rules:11' : null,
      tree: o.trees.find((t) => entry.path === t || entry.path.startsWith(t + '/')) ?? null,
      typeNamedByRule: false,
      setidAllowed: false,
    };
  };
  const fake = {
    calls,
    bound: [],
    refused: [],
    rules: { version: '4.x' as const, files: [], trees, rules: [] },
    config: config(),
    user: { name: 'ecuser', id: uid },
    group: { name: 'ecuser', id: gid },
    trees,
    outside: o.outside ?? [],
    required: o.required ?? [],
    check,
  };
  return fake;
}
