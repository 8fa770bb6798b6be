import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import type { ConfigPath } from '../../src/config/types.js';
import { makeRoot, type FsLike } from '../../src/io/fs.js';
import { bindRules, loadRules } from '../../src/rules/index.js';
import type { EntryType } from '../../src/types.js';
import { checkPath, config, entry, SPOOL, users } from '../rules/builders.js';

/** The shipped rules on the path kinds of the documentation's options: auth files, output, input, scratch. */
const cp = (option: string, p: string, kind: ConfigPath['kind']): ConfigPath => ({ option, path: p, source: `/c.conf:1`, kind });
const PATHS: ConfigPath[] = [
  SPOOL,
  cp('authdigestmd5parameters', '/opt/msys/ecelerity/etc/console_passwd', 'auth'),
  cp('authorizationparameters', '/opt/msys/ecelerity/etc/console_roles', 'auth'),
  { ...cp('pipe_io.output_file', '/var/log/ecelerity/pipe.out', 'output'), fileMode: { value: 0o666, source: 'default' } },
  cp('seedlist.seedlist_file', '/opt/msys/ecelerity/etc/conf/default/seeds', 'input'),
  cp('datasource.uri', '/var/log/ecelerity/prefs.sqlite', 'input'),
  cp('eleven.work_dir', '/var/log/ecelerity/eleven', 'scratch'),
  cp('clamav.file_base', '/var/tmp', 'scratch'),
];

type Row = [string, EntryType, number, number, number, string[]];
const ROWS: Row[] = [
  // auth files: read by $user, private
  ['/opt/msys/ecelerity/etc/console_roles', 'file', 500, 500, 0o600, []],
  ['/opt/msys/ecelerity/etc/console_roles', 'file', 500, 500, 0o644, ['mode']],
  ['/opt/msys/ecelerity/etc/console_roles', 'file', 0, 0, 0o600, ['owner']],
  // output files: never world-writable, which pipe_io's 0666 default makes them
  ['/var/log/ecelerity/pipe.out', 'file', 500, 500, 0o666, ['mode', 'world-writable']],
  ['/var/log/ecelerity/pipe.out', 'file', 500, 500, 0o640, []],
  // input files: never world-writable; owner left as installed (root or $user)
  ['/opt/msys/ecelerity/etc/conf/default/seeds', 'file', 500, 500, 0o646, ['mode', 'world-writable']],
  ['/var/log/ecelerity/prefs.sqlite', 'file', 0, 0, 0o644, ['owner', 'group']],
  ['/var/log/ecelerity/prefs.sqlite', 'file', 500, 500, 0o602, ['mode', 'world-writable']],
  // scratch directories: $user's, closed to other accounts
  ['/var/log/ecelerity/eleven', 'dir', 500, 500, 0o700, []],
  ['/var/log/ecelerity/eleven', 'dir', 500, 500, 0o755, ['mode']],
];

describe.each(['4.x', '3.x'] as const)('shipped rules %s on the new path kinds', (version) => {
  const fs = createFsFromVolume(new Volume()) as unknown as FsLike;
  const b = bindRules(loadRules(fs, makeRoot('/'), { version }), config(PATHS, { version }), users());

  it.each(ROWS)('%s %s %i:%i %o → %j', (p, type, uid, gid, mode, checks) => {
    expect(checkPath(b, entry(p, type, uid, gid, mode)).findings.map((f) => f.check)).toEqual(checks);
  });

  it('says why a world-writable pipe_io output file is a finding', () => {
    const f = checkPath(b, entry('/var/log/ecelerity/pipe.out', 'file', 500, 500, 0o666)).findings.find((x) => x.check === 'mode');
    const rule = b.rules.rules.find((r) => r.id === f?.rule);
    expect(rule?.pattern).toBe('@output');
    expect(rule?.reason).toContain('pipe_io creates these files 0666 unless output_mode or error_mode says otherwise');
  });

  it('binds no rule to a scratch directory outside the trees (/var/tmp): it is reported, never claimed', () => {
    expect(b.outside.map((o) => (o as { path?: string }).path ?? o)).toContainEqual(expect.stringContaining('/var/tmp'));
  });
});
