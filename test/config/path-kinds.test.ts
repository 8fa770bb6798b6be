import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import type { FsLike } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';

const DEF = '/opt/msys/ecelerity/etc/conf/default';
const F = `${DEF}/ecelerity.conf`;

function read(text: string): ReturnType<typeof readConfig> {
  const fs = createFsFromVolume(
    Volume.fromJSON({ '/srv/etc/passwd': 'ecuser:x:500:500::/:/bin/false\n', '/srv/etc/group': 'ecuser:x:500:\n', ['/srv' + F]: text }),
  ) as unknown as FsLike;
  const root = { dir: '/srv' };
  return readConfig(fs, root, filesUserDb(fs, root), { node: 'n1' });
}

/** Warnings other than the missing Security stanza, which none of these snippets has. */
const warningsOf = (cfg: ReturnType<typeof readConfig>): unknown[] => cfg.warnings.filter((w) => w.code !== 'no-security-stanza');
const at = (line: number): string => `${F}:${line}`;
const pathsOf = (text: string, option: string): unknown[] => read(text).paths.filter((p) => p.option.startsWith(option));

describe('config: the path options of the documentation, with their kinds', () => {
  it('dkim_sign and dk_sign keys are private keys, templates included, nested scopes too', () => {
    const text = 'dkim_sign "d1" {\n  key = "/opt/msys/ecelerity/etc/conf/dkim/%{d}/%{s}.key"\n  dkim_domain "a.example" { key = "/k/a.key" }\n}\ndk_sign "x" { key = "/opt/msys/ecelerity/etc/conf/dk/%{d}/%{s}.key" }\n';
    expect(read(text).paths.filter((p) => p.kind === 'private-key')).toEqual([
      { option: 'dkim_sign.key', path: '/opt/msys/ecelerity/etc/conf/dkim/*/*.key', source: at(2), kind: 'private-key', pattern: true, raw: '/opt/msys/ecelerity/etc/conf/dkim/%{d}/%{s}.key', scope: 'dkim_sign "d1"' },
      { option: 'dkim_sign.key', path: '/k/a.key', source: at(3), kind: 'private-key', scope: 'dkim_sign "d1" > dkim_domain "a.example"' },
      { option: 'dk_sign.key', path: '/opt/msys/ecelerity/etc/conf/dk/*/*.key', source: at(5), kind: 'private-key', pattern: true, raw: '/opt/msys/ecelerity/etc/conf/dk/%{d}/%{s}.key', scope: 'dk_sign "x"' },
    ]);
  });

  it('Auth*Parameters uri in any scope, written with or without =: the file a digest, file or groups URI names; ecauth:// names none', () => {
    const text = [
      'Control_Listener {',
      '  AuthDigestMD5Parameters [ uri = "digest:///opt/msys/ecelerity/etc/console_passwd" ]',
      '  AuthorizationParameters = [ uri = "groups:///opt/msys/ecelerity/etc/console_roles" ]',
      '}',
      'ESMTP_Listener { AuthLoginParameters [ uri = "ecauth://" ] AuthPlainParameters = [ uri = "file:///etc/msys/plain" ] }',
      '',
    ].join('\n');
    const cfg = read(text);
    expect(cfg.paths.filter((p) => p.kind === 'auth')).toEqual([
      { option: 'authdigestmd5parameters', path: '/opt/msys/ecelerity/etc/console_passwd', source: at(2), kind: 'auth', raw: 'digest:///opt/msys/ecelerity/etc/console_passwd', scope: 'Control_Listener' },
      { option: 'authorizationparameters', path: '/opt/msys/ecelerity/etc/console_roles', source: at(3), kind: 'auth', raw: 'groups:///opt/msys/ecelerity/etc/console_roles', scope: 'Control_Listener' },
      { option: 'authplainparameters', path: '/etc/msys/plain', source: at(5), kind: 'auth', raw: 'file:///etc/msys/plain', scope: 'ESMTP_Listener' },
    ]);
    expect(warningsOf(cfg)).toEqual([]);
  });

  it("pipe_io output files carry the documented 0666 default, and a warning says they are world-writable", () => {
    const cfg = read('pipe_io {\n  output_file = "/var/log/ecelerity/pipe.out"\n  error_file = "/var/log/ecelerity/pipe.err"\n  error_mode = 0640\n}\n');
    expect(cfg.paths.filter((p) => p.kind === 'output')).toEqual([
      { option: 'pipe_io.output_file', path: '/var/log/ecelerity/pipe.out', source: at(2), kind: 'output', fileMode: { value: 0o666, source: 'default' }, scope: 'pipe_io' },
      { option: 'pipe_io.error_file', path: '/var/log/ecelerity/pipe.err', source: at(3), kind: 'output', fileMode: { value: 0o640, source: at(4) }, scope: 'pipe_io' },
    ]);
    expect(warningsOf(cfg)).toEqual([
      {
        code: 'world-writable-mode',
        message: 'pipe_io.output_file (/var/log/ecelerity/pipe.out): files are created with mode 0666 (the documented default), writable by every local account; set output_mode to 0640 or tighter',
        source: at(2),
      },
    ]);
  });

  it('loggers: mode options, jlog URIs (no file mode), cluster logs dictionaries and eccluster Logs templates', () => {
    const text = [
      'mms_logger "m1" { logfile = "/var/log/ecelerity/mm7log.ec" logmode = 0640 }',
      'smpp_logger "s1" { logfile = "jlog:///var/log/ecelerity/smpp.rt=>ec_rt_stats" logmode = 0644 }',
      'cluster { logs = [ mainlog = "/var/log/ecelerity/mainlog.cluster" ] }',
      'Logs { logfile = "/var/log/eccluster/%Y/%m/%d/%{l}/%{s}/%{n}" file_mode = "0640" dir_mode = "0755" }',
      'msc_logger "x" { msclog_path = "/var/log/ecelerity/scope" msclog_mode = 0600 }',
      '',
    ].join('\n');
    expect(read(text).paths.filter((p) => p.kind === 'log' && p.source !== 'default')).toEqual([
      { option: 'mms_logger.logfile', path: '/var/log/ecelerity/mm7log.ec', source: at(1), kind: 'log', fileMode: { value: 0o640, source: at(1) }, scope: 'mms_logger "m1"' },
      { option: 'smpp_logger.logfile', path: '/var/log/ecelerity/smpp.rt', source: at(2), kind: 'log', raw: 'jlog:///var/log/ecelerity/smpp.rt=>ec_rt_stats', scope: 'smpp_logger "s1"' },
      { option: 'cluster.logs.mainlog', path: '/var/log/ecelerity/mainlog.cluster', source: at(3), kind: 'log', scope: 'cluster' },
      {
        option: 'logs.logfile',
        path: '/var/log/eccluster/*/*/*/*/*/*',
        source: at(4),
        kind: 'log',
        pattern: true,
        raw: '/var/log/eccluster/%Y/%m/%d/%{l}/%{s}/%{n}',
        fileMode: { value: 0o640, source: at(4) },
        dirMode: { value: 0o755, source: at(4) },
        scope: 'Logs',
      },
      { option: 'msc_logger.msclog_path', path: '/var/log/ecelerity/scope', source: at(5), kind: 'log', fileMode: { value: 0o600, source: at(5) }, scope: 'msc_logger "x"' },
    ]);
  });

  it('files only read: datasource URIs (a list), sieve and scriptlet sources that are files, seed lists, schedules, DH parameters', () => {
    const text = [
      'Datasource "d" { uri = ( "sqlite:/opt/msys/ecelerity/etc/conf/default/prefs.sqlite" "odbc:DSN=x" ) }',
      'sieve "s" { script "a" { source = "/opt/msys/ecelerity/etc/conf/default/a.siv" } }',
      'scriptlet "l" { script "boot" { source = "msys.boot" } }',
      'seedlist { seedlist_file = "/opt/msys/ecelerity/etc/conf/default/seeds" }',
      'curfew { Schedule_File = "/etc/ecelerity/curfew.schedule" }',
      'tls_dhparams_file = /opt/msys/ecelerity/etc/dh.pem',
      '',
    ].join('\n');
    const cfg = read(text);
    expect(cfg.paths.filter((p) => p.kind === 'input').map((p) => [p.option, p.path, p.scope])).toEqual([
      ['tls_dhparams_file', '/opt/msys/ecelerity/etc/dh.pem', undefined],
      ['datasource.uri', '/opt/msys/ecelerity/etc/conf/default/prefs.sqlite', 'Datasource "d"'],
      ['sieve.source', '/opt/msys/ecelerity/etc/conf/default/a.siv', 'sieve "s" > script "a"'],
      ['seedlist.seedlist_file', '/opt/msys/ecelerity/etc/conf/default/seeds', 'seedlist'],
      ['curfew.schedule_file', '/etc/ecelerity/curfew.schedule', 'curfew'],
    ]);
    // A Lua module name and an ODBC DSN name no file, and are expected: no warning.
    expect(warningsOf(cfg)).toEqual([]);
  });

  it('scratch directories of the antivirus engines (also inside antivirus "x" { … }) and eleven', () => {
    const text = 'antivirus "a" { clamav "c" { file_base = "/var/tmp/av" } }\nav_fsecure "f" { file_base = "/var/tmp/fs" }\neleven { work_dir = "/var/tmp/eleven" }\n';
    expect(pathsOf(text, '').filter((p) => (p as { kind: string }).kind === 'scratch')).toEqual([
      { option: 'antivirus.file_base', path: '/var/tmp/av', source: at(1), kind: 'scratch', scope: 'antivirus "a" > clamav "c"' },
      { option: 'av_fsecure.file_base', path: '/var/tmp/fs', source: at(2), kind: 'scratch', scope: 'av_fsecure "f"' },
      { option: 'eleven.work_dir', path: '/var/tmp/eleven', source: at(3), kind: 'scratch', scope: 'eleven' },
    ]);
  });

  it('a module configured without its path option gives the documented default, relative ones taken from / silently', () => {
    const cfg = read('mm7 {}\nmms_logger "m" { }\napn_logger "a" { logmode = 0600 }\neleven { }\nadaptive { }\n');
    expect(cfg.paths.filter((p) => p.source === 'default' && p.scope !== undefined && p.option !== 'persist_io.persist_path')).toEqual([
      { option: 'mms_logger.logfile', path: '/var/log/ecelerity/mm7log.ec', source: 'default', kind: 'log', raw: 'var/log/ecelerity/mm7log.ec', fileMode: { value: 0o644, source: 'default' }, scope: 'mms_logger "m"' },
      { option: 'apn_logger.logfile', path: '/var/log/ecelerity/apnlog.ec', source: 'default', kind: 'log', raw: 'var/log/ecelerity/apnlog.ec', fileMode: { value: 0o600, source: at(3) }, scope: 'apn_logger "a"' },
      { option: 'eleven.work_dir', path: '/var/tmp', source: 'default', kind: 'scratch', scope: 'eleven' },
      { option: 'eleven.license', path: '/usr/local/eleven/etc/client.key', source: 'default', kind: 'private-key', scope: 'eleven' },
      { option: 'adaptive.jlog_file', path: '/var/log/adaptive/adaptive.rt', source: 'default', kind: 'log', raw: 'jlog:///var/log/adaptive/adaptive.rt=>ad_stats', scope: 'adaptive' },
    ]);
    expect(warningsOf(cfg)).toEqual([]);
  });

  it('a control socket any account may connect to is warned about, naming File_Mode', () => {
    const cfg = read('Control_Listener { Listen "/tmp/2025" { File_Mode = 0666 } }\n');
    expect(warningsOf(cfg)).toEqual([
      {
        code: 'world-writable-mode',
        message: `control_listener.listen (/tmp/2025): the socket is created with mode 0666 (set at ${at(1)}), which lets every local account connect; set File_Mode to 0660 (the documented default) or tighter`,
        source: at(1),
      },
    ]);
  });

  it('trace_smtp_mode is a setting (the trace files go where the console says), warned about when world-writable', () => {
    expect(read('spoolbase = /var/spool/ecelerity\n').settings['trace_smtp_mode']).toEqual({ value: '0640', source: 'default' });
    const cfg = read('trace_smtp_mode = 0666\n');
    expect(cfg.settings['trace_smtp_mode']).toEqual({ value: '0666', source: at(1) });
    expect(warningsOf(cfg)).toEqual([
      {
        code: 'world-writable-mode',
        message: "trace_smtp_mode 0666: the trace files of the console's trace smtp command are created writable by every local account; set it to 0640 or tighter",
        source: at(1),
      },
    ]);
  });

  it('a relative path is taken from / (where the documented var/log/ecelerity/… defaults land), with a warning', () => {
    const cfg = read('mms_logger "m" { logfile = "var/log/ecelerity/mm7log.ec" }\n');
    expect(cfg.paths.find((p) => p.option === 'mms_logger.logfile')?.path).toBe('/var/log/ecelerity/mm7log.ec');
    expect(warningsOf(cfg).map((w) => (w as { code: string }).code)).toEqual(['relative-path']);
  });

  it('a scope written `Name = {` is read as the scope, with a warning', () => {
    const cfg = read('Esmtp_Listener = {\n  Listen ":587" { TLS_Key = "/k.pem" }\n}\n');
    expect(cfg.paths.find((p) => p.option === 'tls_key')?.scope).toBe('Esmtp_Listener > Listen ":587"');
    expect(warningsOf(cfg)).toEqual([
      { code: 'scope-with-equals', message: `'=' before the '{' of scope Esmtp_Listener: read as a scope, as the documentation's examples mean it`, source: at(1) },
    ]);
  });
});
