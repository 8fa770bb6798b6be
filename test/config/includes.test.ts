import { describe, expect, it } from 'vitest';
import { configJson, DEF } from './helpers.js';

const ETC = '/opt/msys/ecelerity/etc';

describe('config: includes and overrides', () => {
  it('reads a directory in code-unit order, skipping hidden files and sub-directories', () => {
    const { json } = configJson('include-order');
    expect(json.files).toEqual([
      `${DEF}/ecelerity.conf`,
      `${DEF}/conf.d/C.conf`,
      `${DEF}/conf.d/a.conf`,
      `${DEF}/conf.d/common.conf`,
      `${DEF}/conf.d/b.conf`,
      `${DEF}/twice.conf`,
    ]);
    const by = (o: string): unknown => json.paths.find((p: { option: string }) => p.option === o);
    // b.conf is read after a.conf: its spoolbase wins; the hidden and sub-directory files are never read.
    expect(by('spoolbase')).toMatchObject({ path: '/var/spool/b', source: `${DEF}/conf.d/b.conf:1` });
    expect(by('masterdb_file')).toMatchObject({ path: '/var/log/ecelerity/ecdb-C', source: `${DEF}/conf.d/C.conf:1` });
    // A relative include is looked up beside the including file first.
    expect(by('license')).toMatchObject({ path: `${ETC}/license-from-conf.d`, source: `${DEF}/conf.d/common.conf:1` });
  });

  it('a file included twice is read again where it is included, and listed once', () => {
    const { json } = configJson('include-order');
    const pid = json.paths.find((p: { option: string }) => p.option === 'pidfile');
    expect(pid).toEqual({ option: 'pidfile', path: '/var/run/twice.pid', source: `${DEF}/twice.conf:1`, kind: 'pidfile' });
  });

  it('a later Security stanza overrides an earlier one option by option; later values win across includes', () => {
    const { json } = configJson('override');
    expect(json.files).toEqual([`${DEF}/ecelerity.conf`, `${DEF}/ecelerity-cluster.conf`]);
    expect(json.security).toEqual({
      user: { name: 'mailer', id: 501, source: `${DEF}/ecelerity-cluster.conf:3` },
      group: { name: 'ecuser', id: 500, source: `${DEF}/ecelerity.conf:3` },
      supplementalGroups: [],
      chroot: { value: '/var/empty', source: `${DEF}/ecelerity.conf:4` },
      capabilities: null,
    });
    expect(json.paths.slice(0, 3)).toEqual([
      { option: 'spoolbase', path: '/var/spool/cluster', source: `${DEF}/ecelerity-cluster.conf:5`, kind: 'spool', fileMode: { value: 0o640, source: 'default' } },
      { option: 'mta_sts_policy_store', path: '/var/spool/ecelerity/mtasts', source: 'default', kind: 'data' },
      { option: 'pidfile', path: '/var/run/main.pid', source: `${DEF}/ecelerity.conf:12`, kind: 'pidfile' },
    ]);
    expect(json.warnings).toEqual([
      {
        code: 'chroot',
        message: 'Momentum runs chrooted in /var/empty; how paths resolve under chroot is not documented, so paths are reported as written',
        source: `${DEF}/ecelerity.conf:4`,
      },
    ]);
  });

  it('the local changes file is read last, from its default place', () => {
    const { json } = configJson('local-changes');
    expect(json.files).toEqual([`${DEF}/ecelerity.conf`, `${ETC}/local_changes.conf`]);
    expect(json.security.user).toEqual({ name: 'ecuser', id: 500, source: `${DEF}/ecelerity.conf:1` });
    expect(json.security.group).toEqual({ name: 'mailer', id: 501, source: `${ETC}/local_changes.conf:3` });
    expect(json.settings.spoolbase).toEqual({ value: '/var/spool/local', source: `${ETC}/local_changes.conf:2` });
  });

  it('the local changes file is read from where Local_Changes_File says', () => {
    const { json } = configJson('local-changes-custom');
    expect(json.files).toEqual([`${DEF}/ecelerity.conf`, `${ETC}/site-changes.conf`]);
    expect(json.settings.spoolbase).toEqual({ value: '/var/spool/site', source: `${ETC}/site-changes.conf:1` });
    expect(json.paths.find((p: { option: string }) => p.option === 'local_changes_file')).toEqual({
      option: 'local_changes_file',
      path: `${ETC}/site-changes.conf`,
      source: `${DEF}/ecelerity.conf:2`,
      kind: 'config',
    });
  });
});
