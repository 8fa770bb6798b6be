import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { configError, DEF, fixture } from './helpers.js';

const F = `${DEF}/ecelerity.conf`;
const db = (name: string): string => `${fixture(name)}/etc/passwd, ${fixture(name)}/etc/group`;
const frame = (lines: string[]): string => lines.join('\n');

describe('config: errors are one message with a code frame', () => {
  it('MP101 syntax error in an included file', () => {
    expect(configError('err-syntax')).toEqual({
      code: 'MP101',
      frame: frame([
        "error MP101: expected a value for 'max_outbound_connections', found '='",
        `  --> ${DEF}/conf.d/10-site.conf:4:32`,
        '  |',
        '4 |     max_outbound_connections = = 10',
        '  |                                ^',
      ]),
    });
  });

  it('MP102 unterminated string, with a hint at the string that swallowed the quote', () => {
    expect(configError('err-unterminated')).toEqual({
      code: 'MP102',
      frame: frame([
        'error MP102: unterminated string: " has no closing quote',
        `  --> ${F}:3:18`,
        '  |',
        '3 |   group = "ecuser"',
        '  |                  ^',
        `  = the string opened at ${F}:2:10 spans lines: is its closing quote missing?`,
      ]),
    });
  });

  it('MP102 unterminated comment', () => {
    expect(configError('err-comment')).toEqual({
      code: 'MP102',
      frame: frame(['error MP102: unterminated comment: /* has no closing */', `  --> ${F}:2:1`, '  |', '2 | /* spoolbase = /var/spool/old', '  | ^']),
    });
  });

  it('MP103 missing include, at the include, with where it looked', () => {
    expect(configError('err-missing-include')).toEqual({
      code: 'MP103',
      frame: frame([
        'error MP103: include target "listeners.conf" not found',
        `  --> ${F}:3:11`,
        '  |',
        '3 |   include "listeners.conf"',
        '  |           ^',
        `  = looked in: ${DEF}, /opt/msys/ecelerity/etc/conf/global, /opt/msys/ecelerity/etc/conf/mta1`,
      ]),
    });
  });

  it('MP104 include cycle, naming the chain', () => {
    expect(configError('err-cycle')).toEqual({
      code: 'MP104',
      frame: frame([
        `error MP104: include cycle: ${DEF}/a.conf → ${DEF}/b.conf → ${DEF}/a.conf`,
        `  --> ${DEF}/b.conf:2:18`,
        '  |',
        '2 | readonly_include "a.conf"',
        '  |                  ^',
        `  = ${F}:2 includes ${DEF}/a.conf`,
        `  = ${DEF}/a.conf:2 includes ${DEF}/b.conf`,
        `  = ${DEF}/b.conf:2 includes ${DEF}/a.conf`,
      ]),
    });
  });

  it('MP105 a user name with no passwd entry names the stanza', () => {
    expect(configError('err-unknown-user')).toEqual({
      code: 'MP105',
      frame: frame([
        `error MP105: the Security stanza at ${F}:2 names user momentum, which has no passwd entry in ${db('err-unknown-user')}`,
        `  --> ${F}:3:10`,
        '  |',
        '3 |   user = "momentum"',
        '  |          ^',
      ]),
    });
  });

  it('MP106 a group name with no group entry, in supplemental_groups', () => {
    expect(configError('err-unknown-group')).toEqual({
      code: 'MP106',
      frame: frame([
        `error MP106: the Security stanza at ${F}:1 names group ssl-cert, which has no group entry in ${db('err-unknown-group')}`,
        `  --> ${F}:3:33`,
        '  |',
        '3 |   supplemental_groups = ( "adm" "ssl-cert" )',
        '  |                                 ^',
      ]),
    });
  });

  it('MP100 nothing on the search path', () => {
    expect(configError('err-not-found')).toEqual({
      code: 'MP100',
      frame: frame([
        'error MP100: no ecelerity.conf found on the search path',
        '  = searched: /opt/msys/ecelerity/etc:/opt/msys/ecelerity/etc/conf/global:/opt/msys/ecelerity/etc/conf/mta1:/opt/msys/ecelerity/etc/conf/default',
        '  = name the file with --config FILE',
      ]),
    });
  });

  it('MP100 CONFFILE names a missing file, shown in the environment file', () => {
    expect(configError('err-conffile')).toEqual({
      code: 'MP100',
      frame: frame([
        'error MP100: configuration file /opt/msys/ecelerity/etc/conf/site/ecelerity.conf named by CONFFILE not found',
        '  --> /opt/msys/ecelerity/etc/environment:1:10',
        '  |',
        '1 | CONFFILE=/opt/msys/ecelerity/etc/conf/site/ecelerity.conf',
        '  |          ^',
      ]),
    });
  });

  it('MP100 --config names a missing file', () => {
    expect(configError('basic', { config: '/opt/msys/ecelerity/etc/nope.conf' })).toEqual({
      code: 'MP100',
      frame: 'error MP100: configuration file /opt/msys/ecelerity/etc/nope.conf (--config) not found',
    });
  });

  it('MP108 an invalid mode, and a list where one value belongs', () => {
    expect(configError('err-bad-mode')).toEqual({
      code: 'MP108',
      frame: frame(['error MP108: spool_mode must be an octal mode such as 0640, not "0968"', `  --> ${F}:2:14`, '  |', '2 | spool_mode = 0968', '  |              ^']),
    });
    expect(configError('err-list-user')).toEqual({
      code: 'MP108',
      frame: frame(['error MP108: user takes a single value, not a list', `  --> ${F}:1:19`, '  |', '1 | Security { user = ( ecuser mailer ) }', '  |                   ^']),
    });
  });

  it('through the CLI: exit 2, the frame on stderr, no stack trace', async () => {
    const io = memoryIo();
    const status = await main(['node', 'momentum-perms', 'config', '--root', fixture('err-cycle'), '--node', 'mta1'], io);
    expect(status).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(/^error MP104: include cycle: /);
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });
});
