import { describe, expect, it } from 'vitest';
import { configJson, DEF } from './helpers.js';

const F = `${DEF}/ecelerity.conf`;
const at = (line: number): string => `${F}:${line}`;
const dflt = (value: number): { value: number; source: string } => ({ value, source: 'default' });
const set = (value: number, line: number): { value: number; source: string } => ({ value, source: at(line) });

describe('config: every option that names a path', () => {
  const { json } = configJson('paths-all');

  it('lists each with its option, source, kind, modes and scope, in a stable order', () => {
    expect(json.paths).toEqual([
      { option: 'spoolbase', path: '/var/spool/ecelerity', source: at(3), kind: 'spool', fileMode: set(0o600, 4) },
      { option: 'mta_sts_policy_store', path: '/var/spool/ecelerity/sts', source: at(5), kind: 'data' },
      // Relative: taken from /, with a warning (docs/admin.md, "Paths the configuration names").
      { option: 'pidfile', path: '/run/ecelerity.pid', source: at(6), kind: 'pidfile', raw: 'run/ecelerity.pid' },
      { option: 'masterdb_file', path: '/var/log/ecelerity/ecdb', source: at(7), kind: 'data' },
      { option: 'license', path: '/opt/msys/ecelerity/etc/license', source: at(8), kind: 'config' },
      { option: 'local_changes_file', path: '/opt/msys/ecelerity/etc/local_changes.conf', source: 'default', kind: 'config' },
      {
        option: 'persist_io.persist_path',
        path: '/var/cache/ecelerity/persist',
        source: at(12),
        kind: 'persist',
        fileMode: set(0o640, 14),
        dirMode: set(0o750, 13),
        scope: 'persist_io',
      },
      { option: 'tls_ca', path: '/opt/msys/ecelerity/etc/certs/ca.pem', source: at(9), kind: 'certificate' },
      { option: 'tls_certificate', path: '/opt/msys/ecelerity/etc/certs/587.crt', source: at(19), kind: 'certificate', scope: 'ESMTP_Listener > Listen ":587"' },
      { option: 'tls_key', path: '/opt/msys/ecelerity/etc/certs/587.key', source: at(20), kind: 'private-key', scope: 'ESMTP_Listener > Listen ":587"' },
      { option: 'tls_client_ca', path: '/opt/msys/ecelerity/etc/certs/clients.pem', source: at(21), kind: 'certificate', scope: 'ESMTP_Listener > Listen ":587"' },
      // File_Mode in the Listen scope wins over the one of Control_Listener, which wins over the default.
      { option: 'control_listener.listen', path: '/tmp/2025', source: at(27), kind: 'socket', fileMode: set(0o640, 26), scope: 'Control_Listener' },
      { option: 'control_listener.listen', path: '/var/run/ecelerity/control', source: at(28), kind: 'socket', fileMode: set(0o600, 28), scope: 'Control_Listener' },
      { option: 'ec_logger.mainlog', path: '/var/log/ecelerity/mainlog.ec', source: 'default', kind: 'log', fileMode: dflt(0o644), scope: 'ec_logger "ec_logger"' },
      { option: 'ec_logger.paniclog', path: '/var/log/ecelerity/paniclog.ec', source: 'default', kind: 'log', fileMode: dflt(0o644), scope: 'ec_logger "ec_logger"' },
      { option: 'ec_logger.rejectlog', path: '/var/log/ecelerity/rejectlog.ec', source: 'default', kind: 'log', fileMode: dflt(0o644), scope: 'ec_logger "ec_logger"' },
      { option: 'ec_logger.acctlog', path: '/var/log/ecelerity/acctlog.ec', source: 'default', kind: 'log', fileMode: set(0o600, 34), scope: 'ec_logger "ec_logger"' },
      { option: 'ec_logger.importlog', path: '/var/log/ecelerity/importlog.ec', source: at(32), kind: 'log', fileMode: set(0o640, 33), scope: 'ec_logger "ec_logger"' },
      ...['mainlog', 'paniclog', 'rejectlog', 'acctlog'].map((l, i) => ({
        option: `ec_logger.${l}`,
        path: `/var/log/ecelerity/${l}.cluster`,
        source: at(37 + i),
        kind: 'log',
        raw: `cluster:///var/log/ecelerity/${l}.cluster=>master`,
        scope: 'ec_logger "ec_logger_cluster"',
      })),
      { option: 'bounce_logger.bouncelog', path: '/var/log/ecelerity/bouncelog.ec', source: 'default', kind: 'log', fileMode: dflt(0o644), scope: 'bounce_logger "bounce_logger"' },
      {
        option: 'custom_logger.delivery_logfile',
        path: '/var/log/ecelerity/delivery_log',
        source: at(44),
        kind: 'log',
        fileMode: set(0o640, 45),
        scope: 'custom_logger "custom_logger1"',
      },
      { option: 'fbl.log_path', path: '/var/log/ecelerity/fbllog.ec', source: 'default', kind: 'log', scope: 'fbl' },
      { option: 'securecreds.credentials', path: '/opt/msys/etc/credentials.db', source: 'default', kind: 'credentials', scope: 'securecreds' },
      { option: 'securecreds.key', path: '/opt/msys/etc/credentials.key', source: 'default', kind: 'private-key', scope: 'securecreds' },
      {
        option: 'domainkeys.key',
        path: '/opt/msys/ecelerity/etc/conf/dk/*/*.key',
        source: at(50),
        kind: 'private-key',
        pattern: true,
        raw: '/opt/msys/ecelerity/etc/conf/dk/%{d}/%{s}.key',
        scope: 'domainkeys "domainkeys1"',
      },
      {
        option: 'domainkeys.key',
        path: '/opt/msys/ecelerity/etc/conf/dk/example.org/special.key',
        source: at(52),
        kind: 'private-key',
        scope: 'domainkeys "domainkeys1" > domain "example.org"',
      },
      {
        option: 'dkim.key',
        path: '/opt/msys/ecelerity/etc/conf/dkim/*-*.pem',
        source: at(55),
        kind: 'private-key',
        pattern: true,
        raw: '/opt/msys/ecelerity/etc/conf/dkim/%{d}-%{s}.pem',
        scope: 'dkim "dkim1"',
      },
      { option: 'adaptive_backstore_leveldb.path', path: '/var/log/ecelerity/adaptive.leveldb', source: 'default', kind: 'data', scope: 'adaptive_backstore_leveldb' },
      { option: 'maildir.basedir', path: '/var/tmp/popbase', source: at(57), kind: 'data', fileMode: set(0o664, 57), dirMode: set(0o775, 57), scope: 'maildir "maildir1"' },
      { option: 'sched.backing_store', path: '/var/spool/ecelerity/sched.db', source: at(58), kind: 'data', scope: 'sched' },
    ]);
  });

  it('puts spool_mode into settings as an octal string', () => {
    expect(json.settings).toEqual({
      spool_mode: { value: '0600', source: at(4) },
      spoolbase: { value: '/var/spool/ecelerity', source: at(3) },
      trace_smtp_mode: { value: '0640', source: 'default' },
    });
  });

  it('uses only kinds from the closed set', async () => {
    const { PATH_KINDS } = await import('../../src/config/types.js');
    for (const p of json.paths) expect(PATH_KINDS).toContain(p.kind);
  });
});
