import { describe, expect, it } from 'vitest';
import { MpError, renderError } from '../../src/errors.js';
import { parseRules } from '../../src/rules/index.js';

function frame(text: string): string {
  try {
    parseRules(text, 'local.rules', 'local');
  } catch (e) {
    if (e instanceof MpError) return renderError(e);
    throw e;
  }
  throw new Error('no error');
}

describe('parseRules: what it reads', () => {
  it('reads trees, comments, rules and every key', () => {
    const text = [
      '# a comment',
      '   ',
      'tree /opt/msys/ecelerity          # trailing comment',
      'tree /var/spool/ecelerity  spool',
      '/opt/a/**  owner=$user group=$group mode.deny=022  reason="eccfg: owned by \\"ecuser\\""',
      '@spool/**  file.max=$spool_mode dir.max=0750 type=dir',
      '/opt/b  owner=root group=0 mode=0755 setid=allow required',
      '"/opt/with space/x#y"  file.mode=644 dir.min=5 file.deny=2 mode.min=0400 mode.max=0777 dir.deny=2 dir.mode=0700 file.min=4 setid=deny',
      '/opt/c#d  owner=123 group=adm.x reason=bare',
    ].join('\n');
    const { rules, trees } = parseRules(text, 'local.rules', 'local');
    expect(trees).toEqual([
      { path: '/opt/msys/ecelerity', id: 'local.rules:3', origin: 'local', spool: false },
      { path: '/var/spool/ecelerity', id: 'local.rules:4', origin: 'local', spool: true },
    ]);
    expect(rules.map((r) => r.id)).toEqual(['local.rules:5', 'local.rules:6', 'local.rules:7', 'local.rules:8', 'local.rules:9']);
    const [a, s, b, w, c] = rules;
    expect(a).toMatchObject({
      pattern: '/opt/a/**',
      owner: { kind: 'var', name: 'user' },
      group: { kind: 'var', name: 'group' },
      modes: [{ op: 'deny', bits: 0o22, on: 'any' }],
      reason: 'eccfg: owned by "ecuser"',
      origin: 'local',
    });
    expect(s?.modes).toEqual([
      { op: 'max', on: 'file', bits: 0, setting: 'spool_mode' },
      { op: 'max', on: 'dir', bits: 0o750 },
    ]);
    expect(s?.type).toBe('dir');
    expect(b).toMatchObject({ owner: { kind: 'name', name: 'root' }, group: { kind: 'id', id: 0 }, setidAllowed: true, required: true });
    expect(b?.modes).toEqual([{ op: 'exact', on: 'any', bits: 0o755 }]);
    expect(w?.pattern).toBe('/opt/with space/x#y');
    expect(w?.setidAllowed).toBe(false);
    // General keys come before specific ones so that the specific win.
    expect(w?.modes.map((m) => m.on)).toEqual(['any', 'any', 'file', 'dir', 'file', 'dir', 'dir', 'file']);
    expect(c).toMatchObject({ pattern: '/opt/c#d', owner: { kind: 'id', id: 123 }, group: { kind: 'name', name: 'adm.x' }, reason: 'bare' });
    expect(a?.at).toEqual({ file: 'local.rules', line: 5, text: '/opt/a/**  owner=$user group=$group mode.deny=022  reason="eccfg: owned by \\"ecuser\\""', columns: { pattern: 1, owner: 18, group: 30, 'mode.deny': 47, reason: 59 } });
  });

  it('reads CRLF files and keeps @kind patterns as written', () => {
    const { rules } = parseRules('@private-key  owner=$user\r\n@log/*.ec  mode.deny=002\r\n', 'f', 'cli');
    expect(rules.map((r) => [r.pattern, r.origin])).toEqual([
      ['@private-key', 'cli'],
      ['@log/*.ec', 'cli'],
    ]);
  });

  it('allows a later exact key to sit beside range keys for another class', () => {
    const { rules } = parseRules('/a/**  dir.mode=0750 file.max=0640', 'f', 'local');
    expect(rules[0]?.modes).toHaveLength(2);
  });
});

describe('parseRules: errors, rendered', () => {
  const cases: [string, string, string][] = [
    [
      'unterminated string',
      '/opt/a  owner=root reason="never closed',
      `error MP201: unterminated string: a quote is opened here and never closed
  --> local.rules:1:27
  |
1 | /opt/a  owner=root reason="never closed
  |                           ^`,
    ],
    [
      'unknown key',
      '\n/opt/a  owner=root colour=blue',
      `error MP201: unknown key "colour"
  --> local.rules:2:20
  |
2 | /opt/a  owner=root colour=blue
  |                    ^
  = keys: owner, group, type, setid, reason, mode, mode.max, mode.min, mode.deny, file.mode, file.max, file.min, file.deny, dir.mode, dir.max, dir.min, dir.deny, required`,
    ],
    [
      'bad octal',
      '/opt/a  file.max=0698',
      `error MP202: file.max=0698: expected an octal mode of at most four digits (0640) or a $setting
  --> local.rules:1:18
  |
1 | /opt/a  file.max=0698
  |                  ^`,
    ],
    [
      'five octal digits',
      '/opt/a  mode=07777\tmode.max=17777',
      `error MP202: mode.max=17777: expected an octal mode of at most four digits (0640) or a $setting
  --> local.rules:1:29
  |
1 | /opt/a  mode=07777\tmode.max=17777
  | ${' '.repeat(18)}\t${' '.repeat(9)}^`,
    ],
    [
      'relative path',
      'opt/msys/x  owner=root',
      `error MP202: "opt/msys/x" is not an absolute path: a rule starts with /… or a configuration kind such as @spool
  --> local.rules:1:1
  |
1 | opt/msys/x  owner=root
  | ^`,
    ],
    [
      'required on a glob',
      '/opt/a/*.key  owner=root required',
      `error MP202: "required" needs one exact path, and this pattern has wildcards
  --> local.rules:1:26
  |
1 | /opt/a/*.key  owner=root required
  |                          ^`,
    ],
    [
      'required on a glob under @kind',
      '@spool/*  required',
      `error MP202: "required" needs one exact path, and this pattern has wildcards
  --> local.rules:1:11
  |
1 | @spool/*  required
  |           ^`,
    ],
    [
      'unknown kind',
      '@queue/**  owner=$user',
      `error MP202: unknown configuration kind @queue
  --> local.rules:1:1
  |
1 | @queue/**  owner=$user
  | ^
  = kinds: @spool, @log, @persist, @private-key, @certificate, @credentials, @socket, @pidfile, @config, @data, @auth, @output, @input, @scratch`,
    ],
    [
      'bad glob, column inside the pattern',
      '  /opt/a/[bc  owner=root',
      `error MP202: invalid pattern: '[' is never closed by ']'
  --> local.rules:1:10
  |
1 |   /opt/a/[bc  owner=root
  |          ^`,
    ],
    [
      'bad glob after @kind',
      '@log/x**  mode.deny=002',
      `error MP202: invalid pattern: '**' must be a whole path segment, as in /a/**/b
  --> local.rules:1:7
  |
1 | @log/x**  mode.deny=002
  |       ^`,
    ],
    [
      'dot-dot',
      '/opt/msys/../etc  owner=root',
      `error MP202: invalid pattern: '.' and '..' are not allowed: write the path in full
  --> local.rules:1:11
  |
1 | /opt/msys/../etc  owner=root
  |           ^`,
    ],
    [
      'unknown directive',
      'walk /opt',
      `error MP201: unknown directive "walk": a line is a rule (a path or @kind, then key=value…) or "tree PATH"
  --> local.rules:1:1
  |
1 | walk /opt
  | ^`,
    ],
    [
      'flag with a value',
      '/opt/a  required=yes',
      `error MP201: "required" takes no value
  --> local.rules:1:17
  |
1 | /opt/a  required=yes
  |                 ^`,
    ],
    [
      'key without a value',
      '/opt/a  owner',
      `error MP201: expected "=" and a value after "owner"
  --> local.rules:1:14
  |
1 | /opt/a  owner
  |              ^`,
    ],
    [
      'empty value',
      '/opt/a  owner= group=root',
      `error MP201: expected a value after "owner="
  --> local.rules:1:15
  |
1 | /opt/a  owner= group=root
  |               ^`,
    ],
    [
      'duplicate key',
      '/opt/a  owner=root owner=root',
      `error MP201: "owner" is given twice in one rule
  --> local.rules:1:20
  |
1 | /opt/a  owner=root owner=root
  |                    ^`,
    ],
    [
      'nothing to check',
      '/opt/a  reason="why"',
      `error MP201: this rule checks nothing: give owner=, group=, type=, a mode key, setid= or required
  --> local.rules:1:1
  |
1 | /opt/a  reason="why"
  | ^`,
    ],
    [
      'owner=$group',
      '/opt/a  owner=$group',
      `error MP202: owner=$group: only $user (the Security stanza's user) can be used here
  --> local.rules:1:15
  |
1 | /opt/a  owner=$group
  |               ^`,
    ],
    [
      'bad name',
      '/opt/a  group=ec:user',
      `error MP202: group=ec:user: expected $group, a group name or a numeric id
  --> local.rules:1:15
  |
1 | /opt/a  group=ec:user
  |               ^`,
    ],
    [
      'id out of range',
      '/opt/a  owner=4294967295',
      `error MP202: owner=4294967295: an id must be at most 4294967294
  --> local.rules:1:15
  |
1 | /opt/a  owner=4294967295
  |               ^`,
    ],
    [
      'unknown type',
      '/opt/a  type=directory',
      `error MP202: type=directory: expected one of file, dir, symlink, fifo, socket, char, block
  --> local.rules:1:14
  |
1 | /opt/a  type=directory
  |              ^`,
    ],
    [
      'setid value',
      '/opt/a  setid=yes',
      `error MP202: setid=yes: expected setid=allow or setid=deny
  --> local.rules:1:15
  |
1 | /opt/a  setid=yes
  |               ^`,
    ],
    [
      'a rule that contradicts itself',
      '/opt/a  file.max=0640 mode.min=0750',
      `error MP202: for files, at least 0750 asks for bits 0110 that this rule forbids
  --> local.rules:1:32
  |
1 | /opt/a  file.max=0640 mode.min=0750
  |                                ^`,
    ],
    [
      'tree with a wildcard',
      'tree /opt/*',
      `error MP202: a tree is one exact path, without wildcards
  --> local.rules:1:6
  |
1 | tree /opt/*
  |      ^`,
    ],
    [
      'tree from the configuration',
      'tree @spool spool',
      `error MP202: a tree must be written out: a configuration path (@kind) cannot declare one
  --> local.rules:1:6
  |
1 | tree @spool spool
  |      ^`,
    ],
    [
      'tree without a path',
      'tree   ',
      `error MP201: expected the path of the tree after "tree"
  --> local.rules:1:8
  |
1 | tree   
  |        ^`,
    ],
    [
      'tree with a stray word',
      'tree /opt/a big',
      `error MP201: unexpected "big": a tree line is "tree PATH" or "tree PATH spool"
  --> local.rules:1:13
  |
1 | tree /opt/a big
  |             ^`,
    ],
    [
      'root as a tree',
      'tree /',
      `error MP202: the root directory cannot be a tree
  --> local.rules:1:6
  |
1 | tree /
  |      ^`,
    ],
  ];
  it.each(cases)('%s', (_name, text, want) => {
    expect(frame(text)).toBe(want);
  });

  it('only ever throws MpError, whatever the text', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'/@*?[]{},"\\= #\tabc.$\n-01789'.split('')), maxLength: 60 }), (text) => {
        try {
          parseRules(text, 'f', 'local');
        } catch (e) {
          return e instanceof MpError && e.location !== undefined;
        }
        return true;
      }),
      { numRuns: 5000 },
    );
  });
});
