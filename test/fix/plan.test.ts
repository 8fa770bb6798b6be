/** The pure half: plan and the safety predicates, table-driven. */
import { describe, expect, it } from 'vitest';
import { normaliseOnly, planVerdict, selected } from '../../src/fix/plan.js';
import { grantsSetid, inTree, parentUnsafe, sameValues, writableByNonRoot } from '../../src/fix/safety.js';
import type { Entry, Target, Verdict } from '../../src/types.js';

const T: Target = { uid: 500, gid: 500, mode: 0o640 };

function verdict(e: Partial<Entry>, v: Partial<Verdict> = {}): Verdict {
  const entry: Entry = { path: '/var/spool/ecelerity/A/m', type: 'file', uid: 0, gid: 0, mode: 0o644, dev: 1, ino: 2, nlink: 1, ...e };
  return { entry, findings: [], target: T, rule: 'r.rules:3', tree: '/var/spool/ecelerity', typeNamedByRule: false, setidAllowed: false, ...v };
}

describe('planVerdict', () => {
  const cases: [string, Verdict, string][] = [
    ['a drifted file', verdict({}), 'change'],
    ['no target', verdict({}, { target: null }), 'skip'],
    ['already as wanted', verdict({ uid: 500, gid: 500, mode: 0o640 }), 'skip'],
    ['outside every tree', verdict({}, { tree: null }), 'outside-tree'],
    ['a tree that does not hold the path', verdict({}, { tree: '/etc' }), 'outside-tree'],
    ['a path beside the tree with the same prefix', verdict({ path: '/var/spool/ecelerity2/x' }), 'outside-tree'],
    ['a symlink no rule names', verdict({ type: 'symlink' }), 'symlink'],
    ['a symlink a rule names', verdict({ type: 'symlink' }, { typeNamedByRule: true }), 'change'],
    ['a symlink whose ids match (mode is not its own)', verdict({ type: 'symlink', uid: 500, gid: 500, mode: 0o777 }, { typeNamedByRule: true }), 'skip'],
    ['a FIFO no rule names', verdict({ type: 'fifo' }), 'special-file'],
    ['a socket no rule names', verdict({ type: 'socket' }), 'special-file'],
    ['a char device no rule names', verdict({ type: 'char' }), 'special-file'],
    ['a block device no rule names', verdict({ type: 'block' }), 'special-file'],
    ['a FIFO a rule names', verdict({ type: 'fifo' }, { typeNamedByRule: true }), 'change'],
    ['a file with two links', verdict({ nlink: 2 }), 'hardlinked'],
    ['a directory with many links', verdict({ type: 'dir', nlink: 7 }), 'change'],
  ];
  it.each(cases)('%s', (_name, v, want) => {
    const s = planVerdict(v, { only: [] });
    expect(s.kind === 'refused' ? s.reason : s.kind).toBe(want);
  });

  it('carries the walk identity and the target into the request', () => {
    const s = planVerdict(verdict({ dev: 9, ino: 99 }), { only: [] });
    expect(s).toEqual({
      kind: 'change',
      request: { path: '/var/spool/ecelerity/A/m', tree: '/var/spool/ecelerity', dev: 9, ino: 99, type: 'file', target: T, rule: 'r.rules:3', expect: null },
    });
  });
});

describe('--only', () => {
  const v = verdict({});
  it.each([
    [[], true],
    [['r.rules:3'], true],
    [['r.rules:4'], false],
    [['/var/spool'], true],
    [['/var/spool/'], true],
    [['/var/spool/ecelerity/A/m'], true],
    [['/var/spo'], false],
    [['/opt', 'r.rules:3'], true],
    [['/'], true],
  ])('%j selects: %s', (only, want) => {
    expect(selected(v, normaliseOnly(only as string[]))).toBe(want);
    expect(planVerdict(v, { only: normaliseOnly(only as string[]) }).kind).toBe(want ? 'change' : 'skip');
  });
});

describe('safety predicates', () => {
  it.each([
    [{ uid: 0, gid: 0, mode: 0o755 }, false],
    [{ uid: 0, gid: 0, mode: 0o775 }, false],
    [{ uid: 0, gid: 500, mode: 0o775 }, true],
    [{ uid: 0, gid: 0, mode: 0o757 }, true],
    [{ uid: 500, gid: 0, mode: 0o700 }, true],
  ])('writableByNonRoot(%j) = %s', (p, want) => expect(writableByNonRoot(p)).toBe(want));

  it.each([
    [{ uid: 0, gid: 0, mode: 0o755 }, 500, false],
    [{ uid: 500, gid: 500, mode: 0o750 }, 500, false],
    [{ uid: 500, gid: 500, mode: 0o750 }, 0, true],
    [{ uid: 501, gid: 0, mode: 0o755 }, 500, true],
    [{ uid: 0, gid: 500, mode: 0o770 }, 500, true],
    [{ uid: 0, gid: 0, mode: 0o770 }, 500, false],
    [{ uid: 0, gid: 0, mode: 0o1777 }, 500, true],
  ])('parentUnsafe(%j, %d) = %s', (p, owner, want) => expect(parentUnsafe(p, owner)).toBe(want));

  it.each([
    [{ uid: 0, gid: 0, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o4755 }, 'file', true],
    [{ uid: 0, gid: 0, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o4755 }, 'file', false],
    [{ uid: 0, gid: 0, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o755 }, 'file', false],
    [{ uid: 1234, gid: 0, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o4755 }, 'file', true],
    [{ uid: 0, gid: 5, mode: 0o2755 }, { uid: 0, gid: 0, mode: 0o2755 }, 'file', true],
    [{ uid: 0, gid: 5, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o4755 }, 'file', false],
    [{ uid: 0, gid: 0, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o1755 }, 'dir', true],
    [{ uid: 0, gid: 0, mode: 0o777 }, { uid: 0, gid: 0, mode: 0o4777 }, 'symlink', false],
  ] as const)('grantsSetid(%j → %j, %s) = %s', (cur, t, type, want) => expect(grantsSetid(cur, t, type)).toBe(want));

  it('compares values, ignoring the mode of a symlink', () => {
    expect(sameValues({ uid: 1, gid: 2, mode: 0o644 }, { uid: 1, gid: 2, mode: 0o644 }, 'file')).toBe(true);
    expect(sameValues({ uid: 1, gid: 2, mode: 0o644 }, { uid: 1, gid: 2, mode: 0o640 }, 'file')).toBe(false);
    expect(sameValues({ uid: 1, gid: 2, mode: 0o777 }, { uid: 1, gid: 2, mode: 0o640 }, 'symlink')).toBe(true);
    expect(sameValues({ uid: 1, gid: 2, mode: 0o777 }, { uid: 1, gid: 3, mode: 0o777 }, 'symlink')).toBe(false);
  });

  it('knows what is inside a tree', () => {
    expect(inTree('/a/b', '/a')).toBe(true);
    expect(inTree('/a', '/a')).toBe(true);
    expect(inTree('/ab', '/a')).toBe(false);
    expect(inTree('/x', '/')).toBe(true);
  });
});

describe('setuid and setgid across a chown', () => {
  const sbin = (e: Partial<Entry>, t: Target, setidAllowed: boolean): Verdict =>
    verdict({ path: '/opt/msys/ecelerity/sbin/x', ...e }, { target: t, tree: '/opt/msys/ecelerity', setidAllowed });
  const planned = (v: Verdict): Target | string => {
    const s = planVerdict(v, { only: [] });
    return s.kind === 'change' ? s.request.target : s.kind;
  };
  it('keeps a setuid bit a rule allows through a chown', () => {
    expect(planned(sbin({ uid: 1234, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o4755 }, true))).toEqual({ uid: 0, gid: 0, mode: 0o4755 });
  });
  it('does not put back a setuid bit no rule allows once chown has cleared it', () => {
    expect(planned(sbin({ uid: 1234, mode: 0o4755 }, { uid: 0, gid: 0, mode: 0o4755 }, false))).toEqual({ uid: 0, gid: 0, mode: 0o755 });
  });
  it('never adds a setgid bit no rule allows', () => {
    expect(planned(sbin({ uid: 0, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o2755 }, false))).toBe('skip');
  });
  it('leaves a setuid bit alone when no chown touches it', () => {
    expect(planned(sbin({ uid: 0, mode: 0o4775 }, { uid: 0, gid: 0, mode: 0o4755 }, false))).toEqual({ uid: 0, gid: 0, mode: 0o4755 });
  });
});
