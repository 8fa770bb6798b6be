import fc from 'fast-check';
import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { MpError } from '../../src/errors.js';
import type { FsLike } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';

const DEF = '/opt/msys/ecelerity/etc/conf/default';

/** Statements the reader gives meaning to, with values good and bad, so that every later stage is reached. */
const assignment = fc
  .tuple(
    fc.constantFrom(
      'user', 'group', 'supplemental_groups', 'chroot', 'capabilities', 'spoolbase', 'spool_mode', 'pidfile',
      'local_changes_file', 'mainlog', 'mainlog_mode', 'file_mode', 'dirmode', 'filemode', 'key', 'tls_key',
      'persist_path', 'basedir',
    ),
    fc.constantFrom(
      'ecuser', '"500"', '0', '1234', 'nobody', '( adm "0" )', '( ( x ) )', '[ a = b ]', '"cap_net_raw+ep x-q"',
      '0640', '"0999"', '99999', '"/var/x"', 'rel/path', '"jlog:///a=>b"', '"ftp://x"', '"%{d}/%{s}"', '""',
      '"/opt/msys/ecelerity/etc/conf/default/a.conf"',
    ),
  )
  .map(([k, v]) => `${k} = ${v}`);
const include = fc.constantFrom('include "a.conf"', 'include "conf.d"', 'include "missing"', 'readonly_include "/opt"', 'include ""');
const header = fc.constantFrom(
  'Security', 'security "x"', 'Domain "d"', 'ec_logger "l"', 'Control_Listener', 'Listen "/tmp/s"', 'persist_io',
  'opendkim "o"', 'dkim_domain "e"', 'securecreds', 'maildir "m"',
);
const block: fc.Arbitrary<string> = fc.letrec<{ body: string; stmt: string }>((tie) => ({
  body: fc.array(tie('stmt'), { maxLength: 6 }).map((xs) => xs.join('\n')),
  stmt: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    assignment,
    assignment,
    include,
    fc.tuple(header, tie('body')).map(([h, b]) => `${h} {\n${b}\n}`),
  ),
})).body;
/** Mostly well-formed files; now and then a stray brace, so that syntax errors in included files happen too. */
const config = fc.tuple(block, fc.constantFrom('', '', '', '', '}')).map(([b, tail]) => b + tail);

describe('readConfig: any configuration ends in a result or an MpError', () => {
  it('on random statements across an including file, a directory and a local changes file', () => {
    fc.assert(
      fc.property(config, config, config, (main, a, local) => {
        const vol = Volume.fromJSON({
          '/r/etc/passwd': 'ecuser:x:500:500::/:/bin/false\nroot:x:0:0::/:/bin/sh\n',
          '/r/etc/group': 'ecuser:x:500:\nadm:x:4:\n',
          [`/r${DEF}/ecelerity.conf`]: main,
          [`/r${DEF}/a.conf`]: a,
          [`/r${DEF}/conf.d/b.conf`]: a,
          '/r/opt/msys/ecelerity/etc/local_changes.conf': local,
        });
        const fs = createFsFromVolume(vol) as unknown as FsLike;
        const root = { dir: '/r' };
        try {
          const cfg = readConfig(fs, root, filesUserDb(fs, root), { node: 'n' });
          expect(cfg.configFile).toBe(`${DEF}/ecelerity.conf`);
          for (const p of cfg.paths) expect(p.path.startsWith('/')).toBe(true);
        } catch (e) {
          if (!(e instanceof MpError)) throw e;
          expect(e.code).toMatch(/^MP10[0-8]$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
