import { describe, expect, it } from 'vitest';
import type { Stmt } from '../../src/config/ast.js';
import { parseConfig } from '../../src/config/parser.js';
import { isMpError, renderError } from '../../src/errors.js';

/** Forms Momentum's own examples use, and the text that documentation pages leave in copied examples. */

function frame(text: string): string {
  try {
    parseConfig(text, '/etc/x.conf');
  } catch (e) {
    if (isMpError(e)) return `${e.code}\n${renderError(e)}`;
    throw e;
  }
  throw new Error('parsed without error');
}

const only = (text: string): Stmt => parseConfig(text, '/c.conf')[0] as Stmt;

describe('parser: forms of the official examples', () => {
  it('reads a dictionary or a list opened without = (a word followed by [ or ( can only open a value)', () => {
    const d = only('AuthDigestMD5Parameters [ uri = "digest:///opt/msys/ecelerity/etc/console_passwd" ]\n');
    expect(d).toMatchObject({ kind: 'assign', key: 'authdigestmd5parameters', value: { kind: 'dict', entries: [{ key: 'uri' }] } });
    expect(only('hook:delay_dsn_send_notification [ a = 1, b = 2 ]')).toMatchObject({ kind: 'assign', value: { kind: 'dict' } });
    expect(only('Hot_Domains ( "gmail.com" "hotmail.com" )')).toMatchObject({ kind: 'assign', value: { kind: 'list', items: [{ text: 'gmail.com' }, { text: 'hotmail.com' }] } });
  });

  it('reads `Name = {` and `Name = "x" {}` as scopes and records where the = was', () => {
    expect(only('Esmtp_Listener = {\n  Listen ":25" { }\n}\n')).toMatchObject({ kind: 'scope', key: 'esmtp_listener', name: null, equals: { line: 1, column: 16 } });
    expect(only('Replicate = "inbound_cidr" {}')).toMatchObject({ kind: 'scope', key: 'replicate', name: 'inbound_cidr', equals: { line: 1, column: 11 } });
    // A value followed by anything but '{' is still a value.
    expect(parseConfig('a = "x"\nb { }', '/c.conf').map((s) => s.kind)).toEqual(['assign', 'scope']);
  });
});

describe('parser: errors on text copied from documentation', () => {
  it('names `...` as a documentation elision, at the elision', () => {
    expect(frame('ESMTP_Listener {\n  ...\n  debug_level = DEBUG\n}\n')).toBe(
      [
        'MP101',
        "error MP101: expected an option or scope name, found '...', which looks like a documentation elision (the example leaves text out here)",
        '  --> /etc/x.conf:2:3',
        '  |',
        '2 |   ...',
        '  |   ^',
        '  = write out what the example leaves out, or delete the elision',
      ].join('\n'),
    );
    expect(frame('msg_gen {\n  (...)\n}\n')).toContain("found '(...', which looks like a documentation elision");
    expect(frame('x {\n  .\n  .\n}\n')).toContain('a column of dots');
  });

  it('names a no-break space as U+00A0, at the character', () => {
    const f = frame('Binding "Persist_This"\u00a0{\n}\n');
    expect(f).toContain('which holds a no-break space (U+00A0): ecelerity does not take it for white space');
    expect(f).toContain('  --> /etc/x.conf:1:23');
    expect(f).toContain('copied from a web page? replace it with a plain space');
  });

  it('refuses a value in curly quotes instead of reading “/var/log/x” as a relative path', () => {
    const f = frame('fbl {\n  Log_Path = “/var/log/ecelerity/fbllog.ec”\n}\n');
    expect(f).toContain("error MP101: a value in curly quotes: '“/var/log/ecelerity/fbllog.ec”', which holds a curly quote (U+201C “)");
    expect(f).toContain('  --> /etc/x.conf:2:14');
  });

  it('points MP102 at the curly quote that was meant to close a string, not at the last string', () => {
    const text = 'b {\n  r "rule1" {\n    codes = ("bc:24”)\n  }\n  r "rule2" {\n    codes = ("bc:10")\n  }\n}\n';
    expect(frame(text)).toBe(
      [
        'MP102',
        'error MP102: unterminated string: the string opened at 3:14 ends with a curly quote (U+201D ”), which does not close it',
        '  --> /etc/x.conf:3:20',
        '  |',
        '3 |     codes = ("bc:24”)',
        '  |                    ^',
        `  = replace it with a straight quote; ecelerity quotes only with " and '`,
      ].join('\n'),
    );
  });

  it('points at the curly quote of a scope name written "fbl”', () => {
    expect(frame('adaptive_sweep_rule "fbl” {\n  codes = ("fbl:abuse”)\n}\n')).toContain(
      'error MP101: the string opened at 1:21 ends with a curly quote (U+201D ”), which does not close it\n  --> /etc/x.conf:1:25',
    );
  });

  it('names markdown emphasis', () => {
    expect(frame('** Open_Relay = true\n')).toContain("found '**', which looks like markdown emphasis (**) copied with the text");
  });
});
