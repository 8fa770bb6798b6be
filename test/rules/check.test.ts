import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectationFor } from '../../src/rules/expect.js';
import { compareEntry, idCache } from '../../src/rules/verdict.js';
import type { EntryType, Finding } from '../../src/types.js';
import { bind, checkPath, entry, users } from './builders.js';

type Row = [string, EntryType, number, number, number, [Finding['check'], string | null, string | null, string][]];

const RULES = `tree /m
/m/**  owner=$user group=$group
/m/conf/**  mode.deny=022
/m/spool/**  file.max=0640 dir.max=0750
/m/bin/**  owner=root mode.deny=022
/m/bin/suid  setid=allow
/m/keys/*.key  type=file file.mode=0600
/m/sock  type=socket mode=0660
/m/sgid  dir.mode=2770
`;

describe('check(): one finding per thing that is wrong', () => {
  const b = bind(RULES);
  const rows: Row[] = [
    ['/m/spool/a/f', 'file', 500, 500, 0o640, []],
    ['/m/spool/a/f', 'file', 0, 500, 0o640, [['owner', 'ecuser (500)', 'root (0)', 't.rules:2']]],
    ['/m/spool/a/f', 'file', 500, 4, 0o640, [['group', 'ecuser (500)', 'adm (4)', 't.rules:2']]],
    ['/m/spool/a/f', 'file', 500, 500, 0o644, [['mode', 'at most 0640', '0644', 't.rules:4']]],
    ['/m/spool/a', 'dir', 500, 500, 0o750, []],
    ['/m/spool/a', 'dir', 500, 500, 0o755, [['mode', 'at most 0750', '0755', 't.rules:4']]],
    ['/m/conf/x', 'file', 500, 500, 0o664, [['mode', 'none of 0022', '0664', 't.rules:3']]],
    ['/m/bin/ec', 'file', 500, 500, 0o755, [['owner', 'root (0)', 'ecuser (500)', 't.rules:5']]],
    ['/m/bin/ec', 'file', 0, 500, 0o4755, [['setid', 'no setuid or setgid bit', '4755', 'builtin:setid']]],
    ['/m/bin/ec', 'file', 0, 500, 0o2755, [['setid', 'no setuid or setgid bit', '2755', 'builtin:setid']]],
    ['/m/bin/suid', 'file', 0, 500, 0o4755, []],
    ['/m/keys/a.key', 'file', 500, 500, 0o600, []],
    ['/m/keys/a.key', 'file', 500, 500, 0o640, [['mode', '0600', '0640', 't.rules:7']]],
    ['/m/keys/a.key', 'symlink', 500, 500, 0o777, [['type', 'file', 'symlink', 't.rules:7']]],
    ['/m/sock', 'socket', 500, 500, 0o660, []],
    ['/m/sock', 'socket', 500, 500, 0o666, [['mode', '0660', '0666', 't.rules:8'], ['world-writable', 'not writable by others, or the sticky bit', '0666', 'builtin:world-writable']]],
    ['/m/x', 'file', 500, 500, 0o606, [['world-writable', 'not writable by others, or the sticky bit', '0606', 'builtin:world-writable']]],
    ['/m/tmp', 'dir', 500, 500, 0o1777, []],
    ['/m/ln', 'symlink', 500, 500, 0o777, []],
    ['/m/x', 'file', 1234, 500, 0o644, [['owner', 'ecuser (500)', '1234', 't.rules:2'], ['orphan', null, 'uid 1234', 'builtin:orphan']]],
    ['/m/x', 'file', 500, 777, 0o644, [['group', 'ecuser (500)', '777', 't.rules:2'], ['orphan', null, 'gid 777', 'builtin:orphan']]],
    ['/m/dir', 'dir', 500, 500, 0o2755, [['setid', 'no setuid or setgid bit', '2755', 'builtin:setid']]],
    ['/m/sgid', 'dir', 500, 500, 0o2770, []],
    ['/outside', 'file', 7777, 500, 0o4777, [['orphan', null, 'uid 7777', 'builtin:orphan'], ['setid', 'no setuid or setgid bit', '4777', 'builtin:setid'], ['world-writable', 'not writable by others, or the sticky bit', '4777', 'builtin:world-writable']]],
  ];
  it.each(rows)('%s %s %i:%i %o', (p, type, uid, gid, mode, want) => {
    const e = entry(p, type, uid, gid, mode);
    const v = checkPath(b, e);
    expect(v.entry).toBe(e);
    expect(v.findings.map((f) => [f.check, f.expected, f.actual, f.rule])).toEqual(want);
    for (const f of v.findings) expect(f.path).toBe(p);
  });

  it('explains each finding in words', () => {
    const v = checkPath(b, entry('/m/bin/ec', 'file', 500, 4, 0o6777));
    expect(v.findings.map((f) => f.message)).toEqual([
      'owner is ecuser (500), expected root (0)',
      'group is adm (4), expected ecuser (500)',
      'mode 6777, expected none of 0022',
      'setuid and setgid bits set and no rule allows it',
      'writable by every user, without the sticky bit',
    ]);
    expect(checkPath(b, entry('/m/x', 'file', 1234, 500, 0o640)).findings[1]?.message).toBe(
      'owner uid 1234 has no passwd entry (a user removed, or re-created with a new id?)',
    );
  });
});

describe('check(): targets, rules, flags', () => {
  const b = bind(RULES);
  it('targets owner, group and mode; leaves setid and world-writable to the report', () => {
    expect(checkPath(b, entry('/m/spool/a/f', 'file', 0, 4, 0o4646)).target).toEqual({ uid: 500, gid: 500, mode: 0o640 });
    expect(checkPath(b, entry('/m/x', 'file', 500, 500, 0o4777)).target).toBeNull();
    expect(checkPath(b, entry('/m/conf/y', 'file', 500, 500, 0o4777)).target).toEqual({ uid: 500, gid: 500, mode: 0o4755 });
    expect(checkPath(b, entry('/m/keys/k.key', 'file', 500, 500, 0o644)).target).toEqual({ uid: 500, gid: 500, mode: 0o600 });
  });

  it('names the latest rule behind the target, none when nothing is to change', () => {
    expect(checkPath(b, entry('/m/bin/ec', 'file', 500, 4, 0o775)).rule).toBe('t.rules:5');
    expect(checkPath(b, entry('/m/bin/ec', 'file', 0, 4, 0o755)).rule).toBe('t.rules:2');
    expect(checkPath(b, entry('/m/x', 'file', 500, 500, 0o4777)).rule).toBeNull();
    expect(checkPath(b, entry('/m/x', 'file', 500, 500, 0o644)).rule).toBeNull();
  });

  it('reports whether a rule names the type and whether setid is allowed', () => {
    expect(checkPath(b, entry('/m/sock', 'socket', 500, 500, 0o660))).toMatchObject({ typeNamedByRule: true, setidAllowed: false });
    expect(checkPath(b, entry('/m/fifo', 'fifo', 500, 500, 0o600))).toMatchObject({ typeNamedByRule: false });
    expect(checkPath(b, entry('/m/bin/suid', 'file', 0, 0, 0o4755))).toMatchObject({ setidAllowed: true, tree: '/m' });
    expect(checkPath(b, entry('/m/sgid', 'dir', 500, 500, 0o2770))).toMatchObject({ setidAllowed: true });
  });

  it('returns a frozen empty list for a compliant entry', () => {
    const v = checkPath(b, entry('/m/spool/a/f', 'file', 500, 500, 0o640));
    expect(v.findings).toEqual([]);
    expect(Object.isFrozen(v.findings)).toBe(true);
    expect(v.target).toBeNull();
  });
});

describe('check(): how rules combine', () => {
  it('lets the last matching rule win each attribute, line order within a layer', () => {
    const b = bind('/a/**  owner=root group=adm\n/a/b/**  owner=$user\n/a/b/c  group=mon');
    const v = checkPath(b, entry('/a/b/c', 'file', 0, 0, 0o644));
    expect(v.findings.map((f) => [f.check, f.expected, f.rule])).toEqual([
      ['owner', 'ecuser (500)', 't.rules:2'],
      ['group', 'mon (600)', 't.rules:3'],
    ]);
  });

  it('replaces earlier max, min and deny with a later exact mode, and an exact mode with a later range', () => {
    const b = bind('/a/**  mode.max=0750 mode.deny=0020\n/a/x  mode=0775\n/a/y/**  mode=0700\n/a/y/z  file.max=0644');
    expect(checkPath(b, entry('/a/x', 'file', 0, 0, 0o775)).findings).toEqual([]);
    expect(checkPath(b, entry('/a/y/q', 'file', 0, 0, 0o600)).findings.map((f) => f.expected)).toEqual(['0700']);
    expect(checkPath(b, entry('/a/y/z', 'file', 0, 0, 0o600)).findings).toEqual([]);
    expect(checkPath(b, entry('/a/y/z', 'file', 0, 0, 0o664)).findings.map((f) => f.expected)).toEqual(['at most 0644']);
  });

  it('applies file. keys to everything but directories, dir. keys to directories, mode keys to both', () => {
    const b = bind('/a/**  mode.deny=002 file.max=0640 dir.min=0750');
    expect(checkPath(b, entry('/a/d', 'dir', 0, 0, 0o700)).findings.map((f) => f.expected)).toEqual(['at least 0750, none of 0002']);
    expect(checkPath(b, entry('/a/f', 'file', 0, 0, 0o660)).findings.map((f) => f.expected)).toEqual(['at most 0640, none of 0002']);
    expect(checkPath(b, entry('/a/p', 'fifo', 0, 0, 0o644)).findings.map((f) => f.expected)).toEqual(['at most 0640, none of 0002']);
    expect(checkPath(b, entry('/a/l', 'symlink', 0, 0, 0o777)).findings).toEqual([]);
  });

  it('lets forbidding win over a minimum from another rule', () => {
    const b = bind('/a/**  mode.min=0644\n/a/x  mode.deny=004');
    const v = checkPath(b, entry('/a/x', 'file', 0, 0, 0o600));
    expect(v.findings.map((f) => [f.expected, f.rule])).toEqual([['at least 0644, none of 0004', 't.rules:1']]);
    expect(v.target?.mode).toBe(0o640);
  });

  it('takes back a setid allowance with setid=deny in a later rule', () => {
    const b = bind('/a/**  setid=allow\n/a/x  setid=deny');
    expect(checkPath(b, entry('/a/y', 'file', 0, 0, 0o4755)).findings).toEqual([]);
    expect(checkPath(b, entry('/a/x', 'file', 0, 0, 0o4755)).findings.map((f) => [f.check, f.rule])).toEqual([['setid', 't.rules:2']]);
  });
});

describe('check(): the per-directory cache gives the answers a fresh match gives', () => {
  const b = bind(RULES + '/m/spool/*/[ab]*  group=mon\n/m/**/deep/*  mode.max=0700\n/m/{conf,keys}/*  setid=allow\n');
  const dirs = ['/', '/m', '/m/spool', '/m/spool/a', '/m/conf', '/m/keys', '/m/bin', '/m/x/deep', '/m/spool/deep', '/other'];
  const names = ['a', 'b', 'ab', 'f', 'a.key', 'sock', 'suid', 'deep', 'spool', 'bin'];
  const types: EntryType[] = ['file', 'dir', 'symlink', 'fifo', 'socket'];
  it('on random walks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...dirs), fc.constantFrom(...names), fc.constantFrom(...types), fc.constantFrom(0, 500, 1234), fc.constantFrom(0, 4, 500, 600), fc.integer({ min: 0, max: 0o7777 })), { maxLength: 40 }),
        (items) => {
          for (const [dir, name, type, uid, gid, mode] of items) {
            const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
            const e = entry(p, type, uid, gid, mode);
            const cached = b.check(e, dir);
            // Uncached: every bound rule tested against the path, folded, judged.
            const matching = b.bound.filter((r) => r.matches(p));
            const fresh = compareEntry(expectationFor(matching, type), e, cached.tree, idCache(users()));
            expect(cached).toEqual(fresh);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
