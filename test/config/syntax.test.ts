import { describe, expect, it } from 'vitest';
import { configJson, DEF } from './helpers.js';

const F = `${DEF}/ecelerity.conf`;

describe('config: a file using the whole syntax', () => {
  const { status, json } = configJson('syntax-all');

  it('is read, comments and all, with every value in the right place', () => {
    expect(status).toBe(0);
    expect(json.files).toEqual([F, `${DEF}/extra.conf`]);
    expect(json.warnings).toEqual([]);
  });

  it('reads the Security stanza: case-insensitive names, quoted, bare and numeric values, a list across lines', () => {
    expect(json.security).toEqual({
      user: { name: 'ecuser', id: 500, source: `${F}:6` },
      group: { name: 'ecuser', id: 500, source: `${F}:7` },
      supplementalGroups: [
        { name: 'adm', id: 4, source: `${F}:8` },
        { name: 'mail', id: 8, source: `${F}:9` },
        { name: 'mail', id: 8, source: `${F}:10` },
      ],
      chroot: null,
      capabilities: { value: 'cap_net_admin+ep cap_net_bind_service+ep cap_net_raw+ep cap_sys_resource+ep', source: `${F}:11` },
    });
  });

  it('reads paths from barewords, quoted strings, URIs and case-sensitive bindings', () => {
    expect(json.paths).toEqual([
      { option: 'spoolbase', path: '/var/spool/ecelerity2', source: `${F}:14`, kind: 'spool', fileMode: { value: 0o600, source: `${F}:15` } },
      { option: 'mta_sts_policy_store', path: '/var/spool/ecelerity/mtasts', source: 'default', kind: 'data' },
      { option: 'pidfile', path: '/var/run/ecelerity-2.pid', source: `${DEF}/extra.conf:1`, kind: 'pidfile' },
      { option: 'masterdb_file', path: '/var/log/ecelerity/ecdb', source: 'default', kind: 'data' },
      { option: 'license', path: '/opt/msys/ecelerity/etc/license-2', source: `${DEF}/extra.conf:1`, kind: 'config' },
      { option: 'local_changes_file', path: '/opt/msys/ecelerity/etc/local_changes.conf', source: 'default', kind: 'config' },
      {
        option: 'persist_io.persist_path',
        path: '/var/log/ecelerity/persist',
        source: 'default',
        kind: 'persist',
        fileMode: { value: 0o600, source: 'default' },
        dirMode: { value: 0o700, source: 'default' },
      },
      { option: 'tls_key', path: '/opt/msys/ecelerity/certs/outbound.key', source: `${F}:23`, kind: 'private-key', scope: 'Binding "Outbound"' },
      {
        option: 'tls_certificate',
        path: '/opt/msys/ecelerity/etc/certs/example.crt',
        source: `${F}:27`,
        kind: 'certificate',
        scope: 'Binding "outbound" > Domain "example.com"',
      },
      {
        option: 'control_listener.listen',
        path: '/var/run/ecelerity/2025',
        source: `${F}:33`,
        kind: 'socket',
        fileMode: { value: 0o660, source: 'default' },
        scope: 'Control_Listener',
      },
      {
        option: 'ec_logger.mainlog',
        path: '/var/log/ecelerity/mainlog.cluster',
        source: `${F}:36`,
        kind: 'log',
        raw: 'cluster:///var/log/ecelerity/mainlog.cluster=>master',
        scope: 'ec_logger "ec_logger1"',
      },
      { option: 'ec_logger.paniclog', path: '/var/log/ecelerity/panic.ec', source: `${F}:36`, kind: 'log', fileMode: { value: 0o644, source: 'default' }, scope: 'ec_logger "ec_logger1"' },
      { option: 'ec_logger.rejectlog', path: '/var/log/ecelerity/rejectlog.ec', source: 'default', kind: 'log', fileMode: { value: 0o644, source: 'default' }, scope: 'ec_logger "ec_logger1"' },
      { option: 'ec_logger.acctlog', path: '/var/log/ecelerity/acctlog.ec', source: 'default', kind: 'log', fileMode: { value: 0o644, source: 'default' }, scope: 'ec_logger "ec_logger1"' },
    ]);
    expect(json.settings).toEqual({
      spool_mode: { value: '0600', source: `${F}:15` },
      spoolbase: { value: '/var/spool/ecelerity2', source: `${F}:14` },
      trace_smtp_mode: { value: '0640', source: 'default' },
    });
  });
});
