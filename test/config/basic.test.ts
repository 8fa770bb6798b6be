import { describe, expect, it } from 'vitest';
import { configJson, configText, DEF } from './helpers.js';

describe('config: basic 4.x fixture', () => {
  it('prints the shape of the --json contract', () => {
    const { status, json } = configJson('basic');
    expect(status).toBe(0);
    expect(json.configFile).toBe(`${DEF}/ecelerity.conf`);
    expect(json.version).toBe('4.x');
    expect(json.files).toEqual([`${DEF}/ecelerity.conf`, `${DEF}/conf.d/10-logging.conf`, `${DEF}/conf.d/20-dkim.conf`]);
    expect(json.security).toEqual({
      user: { name: 'ecuser', id: 500, source: `${DEF}/ecelerity.conf:3` },
      group: { name: 'ecuser', id: 500, source: `${DEF}/ecelerity.conf:4` },
      supplementalGroups: [],
      chroot: null,
      capabilities: { value: 'cap_net_bind_service+ep', source: `${DEF}/ecelerity.conf:5` },
    });
    expect(json.warnings).toEqual([]);
    expect(json.settings).toEqual({
      spool_mode: { value: '0640', source: 'default' },
      spoolbase: { value: '/var/spool/ecelerity1', source: `${DEF}/ecelerity.conf:8` },
      trace_smtp_mode: { value: '0640', source: 'default' },
    });
  });

  it('lists every path with option, source, kind and modes', () => {
    const { json } = configJson('basic');
    const log = `${DEF}/conf.d/10-logging.conf`;
    expect(json.paths).toEqual([
      { option: 'spoolbase', path: '/var/spool/ecelerity1', source: `${DEF}/ecelerity.conf:8`, kind: 'spool', fileMode: { value: 0o640, source: 'default' } },
      { option: 'mta_sts_policy_store', path: '/var/spool/ecelerity/mtasts', source: 'default', kind: 'data' },
      { option: 'pidfile', path: '/var/run/ecelerity.pid', source: 'default', kind: 'pidfile' },
      { option: 'masterdb_file', path: '/var/log/ecelerity/ecdb', source: 'default', kind: 'data' },
      { option: 'license', path: '/opt/msys/ecelerity/etc/license', source: 'default', kind: 'config' },
      { option: 'local_changes_file', path: '/opt/msys/ecelerity/etc/local_changes.conf', source: 'default', kind: 'config' },
      {
        option: 'persist_io.persist_path',
        path: '/var/log/ecelerity/persist',
        source: 'default',
        kind: 'persist',
        fileMode: { value: 0o600, source: 'default' },
        dirMode: { value: 0o700, source: 'default' },
      },
      { option: 'tls_certificate', path: '/opt/msys/ecelerity/etc/certs/server.crt', source: `${DEF}/ecelerity.conf:12`, kind: 'certificate', scope: 'ESMTP_Listener' },
      { option: 'tls_key', path: '/opt/msys/ecelerity/etc/certs/server.key', source: `${DEF}/ecelerity.conf:13`, kind: 'private-key', scope: 'ESMTP_Listener' },
      {
        option: 'control_listener.listen',
        path: '/tmp/2025',
        source: `${DEF}/ecelerity.conf:20`,
        kind: 'socket',
        fileMode: { value: 0o660, source: `${DEF}/ecelerity.conf:21` },
        scope: 'Control_Listener',
      },
      { option: 'ec_logger.mainlog', path: '/var/log/ecelerity/mainlog.ec', source: `${log}:3`, kind: 'log', fileMode: { value: 0o640, source: `${log}:6` }, scope: 'ec_logger "ec_logger"' },
      { option: 'ec_logger.paniclog', path: '/var/log/ecelerity/paniclog.ec', source: `${log}:4`, kind: 'log', fileMode: { value: 0o644, source: 'default' }, scope: 'ec_logger "ec_logger"' },
      {
        option: 'ec_logger.rejectlog',
        path: '/var/log/ecelerity/rejectlog.rt',
        source: `${log}:5`,
        kind: 'log',
        raw: 'jlog:///var/log/ecelerity/rejectlog.rt=>master',
        scope: 'ec_logger "ec_logger"',
      },
      { option: 'ec_logger.acctlog', path: '/var/log/ecelerity/acctlog.ec', source: 'default', kind: 'log', fileMode: { value: 0o644, source: 'default' }, scope: 'ec_logger "ec_logger"' },
      {
        option: 'opendkim.key',
        path: '/opt/msys/ecelerity/etc/conf/dkim/*/*.key',
        source: `${DEF}/conf.d/20-dkim.conf:4`,
        kind: 'private-key',
        pattern: true,
        raw: '/opt/msys/ecelerity/etc/conf/dkim/%{d}/%{s}.key',
        scope: 'opendkim "opendkim1"',
      },
    ]);
  });

  it('never prints the --root directory', () => {
    const text = configText('basic');
    expect(text).not.toContain('fixtures');
    expect(text).toContain('Configuration  /opt/msys/ecelerity/etc/conf/default/ecelerity.conf  (Momentum 4.x)');
    expect(text).toContain('ecuser (500)');
  });
});
