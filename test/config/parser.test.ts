import { describe, expect, it } from 'vitest';
import type { Stmt, Value } from '../../src/config/ast.js';
import { parseConfig } from '../../src/config/parser.js';
import { isMpError, renderError } from '../../src/errors.js';

/** A compact, position-free view of a parse tree, so that tests read like the configuration. */
function plain(stmts: Stmt[]): unknown[] {
  const val = (v: Value): unknown =>
    v.kind === 'scalar'
      ? v.quoted
        ? `"${v.text}"`
        : v.text
      : v.kind === 'list'
        ? v.items.map(val)
        : Object.fromEntries(v.entries.map((e) => [e.key, val(e.value)]));
  return stmts.map((s) =>
    s.kind === 'assign'
      ? { [s.name]: val(s.value) }
      : s.kind === 'include'
        ? { [s.readonly ? 'readonly_include' : 'include']: s.target }
        : { scope: s.name === null ? s.type : `${s.type} ${s.name}`, body: plain(s.body) },
  );
}

const parse = (text: string): unknown[] => plain(parseConfig(text, '/c.conf'));

function frame(text: string): string {
  try {
    parseConfig(text, '/etc/x.conf');
  } catch (e) {
    if (isMpError(e)) return `${e.code}\n${renderError(e)}`;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('parser: syntax', () => {
  it('reads anonymous, named and nested scopes, with { on the next line', () => {
    expect(parse('Security {\n  user = ecuser\n}\nBinding "b1"\n{\n  Domain "Example.com" { x = 1 }\n}\n')).toEqual([
      { scope: 'Security', body: [{ user: 'ecuser' }] },
      { scope: 'Binding b1', body: [{ scope: 'Domain Example.com', body: [{ x: '1' }] }] },
    ]);
  });

  it('reads several assignments on one line and bareword scope names', () => {
    expect(parse('node mta1 { mta_id = 1 votes = 1 }')).toEqual([{ scope: 'node mta1', body: [{ mta_id: '1' }, { votes: '1' }] }]);
  });

  it('reads barewords with slashes, colons and dots; URIs with => need quotes', () => {
    expect(parse('SpoolBase = /var/spool/ecelerity1\nl = 127.0.0.1:25 m = "jlog:///var/log/x.rt=>master"')).toEqual([
      { SpoolBase: '/var/spool/ecelerity1' },
      { l: '127.0.0.1:25' },
      { m: '"jlog:///var/log/x.rt=>master"' },
    ]);
    // `=` is special (the docs say such values must be quoted): unquoted, the value ends before it.
    expect(frame('m = jlog:///x.rt=>master')).toMatch(/^MP101\nerror MP101: expected an option or scope name, found '='/);
  });

  it('decodes escapes in double-quoted strings and keeps unknown ones', () => {
    expect(parse('banner = "220-Welcome\\r\\n" q = "say \\"hi\\"" b = "a\\\\b" re = "^.*\\.example\\.com"')).toEqual([
      { banner: '"220-Welcome\r\n"' },
      { q: '"say "hi""' },
      { b: '"a\\b"' },
      { re: '"^.*\\.example\\.com"' },
    ]);
  });

  it('takes single-quoted strings literally', () => {
    expect(parse("x = 'a \\n b'")).toEqual([{ x: '"a \\n b"' }]);
  });

  it('keeps numbers quoted or bare, as written', () => {
    expect(parse('file_mode = "0640"\nFile_Mode = 0666')).toEqual([{ file_mode: '"0640"' }, { File_Mode: '0666' }]);
  });

  it('reads lists across lines, with or without commas, and dictionaries', () => {
    expect(parse('Hot_Domains = (\n  "gmail.com"\n  "hotmail.com" )\nheaderlist = ("from", "to",)\nA = [ uri = "ecauth://", n = 2 ]')).toEqual([
      { Hot_Domains: ['"gmail.com"', '"hotmail.com"'] },
      { headerlist: ['"from"', '"to"'] },
      { A: { uri: '"ecauth://"', n: '2' } },
    ]);
  });

  it('skips # and /* */ comments, which do not nest, but not inside strings', () => {
    expect(parse('# top\na = 1 # tail\n/* b = 2 /* still */ c = 3\nd = "x # y /* z */"\n/*\n e = 5\n*/f=6')).toEqual([
      { a: '1' },
      { c: '3' },
      { d: '"x # y /* z */"' },
      { f: '6' },
    ]);
  });

  it('ends a bareword at /* but not at a lone /', () => {
    expect(parse('p = /var/log/*comment*/ q = a/b')).toEqual([{ p: '/var/log' }, { q: 'a/b' }]);
  });

  it('matches names case-insensitively and keeps scope names as written', () => {
    const [inc, scope] = parseConfig('INCLUDE "conf.d"\nsecurity "Mixed" { USER = x }', '/c.conf');
    expect(inc).toMatchObject({ kind: 'include', readonly: false, target: 'conf.d' });
    expect(scope).toMatchObject({ kind: 'scope', key: 'security', type: 'security', name: 'Mixed' });
    expect(scope?.kind === 'scope' && scope.body[0]).toMatchObject({ key: 'user', name: 'USER' });
  });

  it('reads include and readonly_include with quoted or bare targets', () => {
    expect(parse('include conf.d\nReadOnly_Include "/opt/msys/etc/installer/ecelerity.d/ecdb.conf"')).toEqual([
      { include: 'conf.d' },
      { readonly_include: '/opt/msys/etc/installer/ecelerity.d/ecdb.conf' },
    ]);
  });

  it('records file, line and column of every node', () => {
    const [s] = parseConfig('\n  Security\n  {\n\tuser = "ecuser"\n  }', '/f.conf');
    expect(s?.pos).toEqual({ file: '/f.conf', line: 2, column: 3 });
    const a = s?.kind === 'scope' ? s.body[0] : undefined;
    expect(a?.pos).toEqual({ file: '/f.conf', line: 4, column: 2 });
    expect(a?.kind === 'assign' && a.value.pos).toEqual({ file: '/f.conf', line: 4, column: 9 });
  });

  it('counts lines inside multi-line strings and comments', () => {
    const stmts = parseConfig('a = "x\ny"\n/* 1\n2 */ b = 1', '/f.conf');
    expect(stmts[1]?.pos).toEqual({ file: '/f.conf', line: 4, column: 6 });
  });

  it('accepts CRLF line endings', () => {
    expect(parse('Security {\r\n  user = ecuser\r\n}\r\n')).toEqual([{ scope: 'Security', body: [{ user: 'ecuser' }] }]);
  });
});

describe('parser: errors render as code frames', () => {
  it('a doubled =', () => {
    expect(frame('Security {\n  user = = ecuser\n}\n')).toBe(
      [
        'MP101',
        "error MP101: expected a value for 'user', found '='",
        '  --> /etc/x.conf:2:10',
        '  |',
        '2 |   user = = ecuser',
        '  |          ^',
      ].join('\n'),
    );
  });

  it('a scope never closed points at the scope', () => {
    expect(frame('a = 1\nSecurity {\n  user = ecuser\n')).toBe(
      ['MP101', "error MP101: scope Security is never closed: missing '}'", '  --> /etc/x.conf:2:1', '  |', '2 | Security {', '  | ^'].join('\n'),
    );
  });

  it('a stray closing brace', () => {
    expect(frame('a = 1\n}\n')).toBe(
      ['MP101', "error MP101: unexpected '}': no scope is open here", '  --> /etc/x.conf:2:1', '  |', '2 | }', '  | ^'].join('\n'),
    );
  });

  it('a name with neither = nor {', () => {
    expect(frame('spoolbase /var/spool\n')).toBe(
      ['MP101', "error MP101: expected '{' to open scope spoolbase \"/var/spool\", found end of file", '  --> /etc/x.conf:2:1', '  |', '2 | ', '  | ^'].join('\n'),
    );
    expect(frame('x\n= 1\n}')).toBe(
      ['MP101', "error MP101: unexpected '}': no scope is open here", '  --> /etc/x.conf:3:1', '  |', '3 | }', '  | ^'].join('\n'),
    );
    expect(frame('user ) ')).toBe(
      ['MP101', "error MP101: expected '=' or '{' after 'user', found ')'", '  --> /etc/x.conf:1:6', '  |', '1 | user ) ', '  |      ^'].join('\n'),
    );
  });

  it('a string where a name belongs', () => {
    expect(frame('  "user" = x')).toBe(
      ['MP101', 'error MP101: expected an option or scope name, found a quoted string', '  --> /etc/x.conf:1:3', '  |', '1 |   "user" = x', '  |   ^'].join('\n'),
    );
  });

  it('an unclosed list and dictionary point at their opening', () => {
    expect(frame('h = ( "a"\n "b"\n')).toBe(
      ['MP101', "error MP101: list is never closed: missing ')'", '  --> /etc/x.conf:1:5', '  |', '1 | h = ( "a"', '  |     ^'].join('\n'),
    );
    expect(frame('d = [ a = 1')).toBe(
      ['MP101', "error MP101: dictionary is never closed: missing ']'", '  --> /etc/x.conf:1:5', '  |', '1 | d = [ a = 1', '  |     ^'].join('\n'),
    );
    expect(frame('d = [ a 1 ]')).toBe(
      ['MP101', "error MP101: expected '=' after the key 'a' in a dictionary, found '1'", '  --> /etc/x.conf:1:9', '  |', '1 | d = [ a 1 ]', '  |         ^'].join('\n'),
    );
  });

  it('an unterminated string (MP102) points at the opening quote, with tabs kept', () => {
    expect(frame('a = 1\n\tbanner = "220 hello\nb = 2\n')).toBe(
      ['MP102', 'error MP102: unterminated string: " has no closing quote', '  --> /etc/x.conf:2:11', '  |', '2 | \tbanner = "220 hello', '  | \t         ^'].join('\n'),
    );
  });

  it('an unterminated comment (MP102) points at /*', () => {
    expect(frame('a = 1 /* b = 2\n c = 3')).toBe(
      ['MP102', 'error MP102: unterminated comment: /* has no closing */', '  --> /etc/x.conf:1:7', '  |', '1 | a = 1 /* b = 2', '  |       ^'].join('\n'),
    );
  });

  it('nesting beyond the limit is a syntax error, not a stack overflow', () => {
    expect(frame('a {'.repeat(100_000))).toMatch(/^MP101\nerror MP101: scopes nested deeper than 64 levels/);
    expect(frame('a = ' + '('.repeat(100_000))).toMatch(/^MP101\nerror MP101: values nested deeper than 64 levels/);
  });
});

describe('parser: error frames on very long lines', () => {
  it('cuts the shown line after the caret, or shows none when the caret is far in', () => {
    const early = frame('a = = ' + 'x'.repeat(1000));
    expect(early.split('\n')[4]).toBe('1 | a = = ' + 'x'.repeat(394) + ' …');
    const late = frame('a'.repeat(1000) + ' )');
    expect(late).toBe(["MP101", `error MP101: expected '=' or '{' after '${'a'.repeat(40)}…', found ')'`, '  --> /etc/x.conf:1:1002'].join('\n'));
  });
});
