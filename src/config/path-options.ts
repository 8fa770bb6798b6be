import type { PathKind } from './types.js';

/**
 * The options that name paths (MOMENTUM.md §6), with their documented defaults and, beside each, the doc page
 * (relative to https://support.sparkpost.com/momentum/). Data, not code: adding an option is a line here.
 */

/** A global option naming a path: the documented default when the option is absent, if the page gives one. */
export interface CoreOption {
  option: string;
  default?: string;
  kind: PathKind;
}

export const CORE_OPTIONS: readonly CoreOption[] = [
  { option: 'spoolbase', default: '/var/spool/ecelerity', kind: 'spool' }, // 4/config/ref-spoolbase
  { option: 'mta_sts_policy_store', default: '/var/spool/ecelerity/mtasts', kind: 'data' }, // 4/config/mta-sts
  { option: 'pidfile', default: '/var/run/ecelerity.pid', kind: 'pidfile' },
  { option: 'masterdb_file', default: '/var/log/ecelerity/ecdb', kind: 'data' },
  { option: 'license', default: '/opt/msys/ecelerity/etc/license', kind: 'config' },
  { option: 'local_changes_file', default: '/opt/msys/ecelerity/etc/local_changes.conf', kind: 'config' },
  { option: 'tls_dhparams_file', kind: 'input' }, // 3/3-reference/3-reference-conf-ref-tls-dhparams-file
  { option: 'resolv_conf', kind: 'input' }, // 3/3-reference/3-reference-conf-ref-resolv-conf
];

/** A module option naming a path. It yields a path only where the module is configured (its scope exists). */
export interface ModuleOption {
  option: string;
  /** Documented default, used when the module is configured without the option; none means "not written". */
  default?: string;
  kind: PathKind;
  /** Options giving the file's mode, first found wins (the docs spell acctlog's two ways). */
  fileModeOptions?: readonly string[];
  dirModeOptions?: readonly string[];
  /** Documented default of the mode options. */
  defaultFileMode?: number;
  defaultDirMode?: number;
  /**
   * The value is a template, and the path a pattern: `dkim`: `%{d}` and `%{s}` (domain, selector);
   * `format`: any `%{x}` macro and strftime `%Y`-style conversion (cluster logs, ilf and pe2 file names).
   */
  template?: 'dkim' | 'format';
  /** The option is set in scopes of these types nested anywhere below the module (`sieve { script "x" { source } }`). */
  in?: readonly string[];
  /** URI schemes whose value names a file (`digest:///…/console_passwd`, `sqlite:/…/db`): reduced to it. */
  fileSchemes?: readonly string[];
  /** Values that name no file (`ecauth://`, `odbc:…`, a Lua module name) are expected: skipped without a warning. */
  quiet?: boolean;
  /** Only values starting with `/` name a file (scriptlet `source` is otherwise a Lua module name). */
  absoluteOnly?: boolean;
  /** The value is a list of such values (`Datasource { uri = ( "sqlite:/…" ) }`). */
  list?: boolean;
  /** The value is a dictionary: this key of it names the file (`AuthDigestMD5Parameters [ uri = … ]`). */
  dictKey?: string;
  /** The value is a dictionary whose every value names a file, labelled with its key (`cluster { logs = [ … ] }`). */
  dictValues?: boolean;
}

const LOG_MODE = 0o644; // the loggers' documented default for every *_mode option

function log(option: string, dflt: string | undefined, modes: string[]): ModuleOption {
  const o: ModuleOption = { option, kind: 'log', fileModeOptions: modes, defaultFileMode: LOG_MODE };
  return dflt === undefined ? o : { ...o, default: dflt };
}

/** A log option whose page documents no mode default: the mode is reported only where the configuration sets it. */
function logNoDefault(option: string, modes: string[] = [], extra: Partial<ModuleOption> = {}): ModuleOption {
  return { option, kind: 'log', fileModeOptions: modes, ...extra };
}

/** pipe_io and pipe_transport write a program's output here; pipe_io's page gives 0666 as the mode default. */
function output(option: string, mode: string, dflt: number | undefined): ModuleOption {
  const o: ModuleOption = { option, kind: 'output', fileModeOptions: [mode] };
  return dflt === undefined ? o : { ...o, defaultFileMode: dflt };
}

const DKIM_KEY: ModuleOption = { option: 'key', kind: 'private-key', template: 'dkim' };
const AV_SCRATCH: ModuleOption = { option: 'file_base', kind: 'scratch' };
/** Datasource and auth URIs naming a local file; `ecauth://`, `ldap://`, `odbc:` … name none. */
const DB_SCHEMES = ['sqlite', 'sqlite3', 'cdb', 'file'];

const CUSTOM_STAGES = ['delivery', 'reception', 'permanent_failure', 'transient_failure', 'xfer', 'rejection'];

/** By module (lower-cased scope type at the global level). */
export const MODULE_OPTIONS: Readonly<Record<string, readonly ModuleOption[]>> = {
  // 4/modules/ec-logger: the default configuration writes these four; importlog is not written by default.
  ec_logger: [
    log('mainlog', '/var/log/ecelerity/mainlog.ec', ['mainlog_mode']),
    log('paniclog', '/var/log/ecelerity/paniclog.ec', ['paniclog_mode']),
    log('rejectlog', '/var/log/ecelerity/rejectlog.ec', ['rejectlog_mode']),
    log('acctlog', '/var/log/ecelerity/acctlog.ec', ['acctlog_mode', 'acctlog_log_mode']),
    log('importlog', undefined, ['importlog_mode']),
  ],
  // 4/modules/bounce-logger
  bounce_logger: [log('bouncelog', '/var/log/ecelerity/bouncelog.ec', ['bouncelog_mode'])],
  // 4/modules/custom-logger: no defaults.
  custom_logger: [
    log('mainlog', undefined, ['mainlog_mode']),
    log('paniclog', undefined, ['paniclog_mode']),
    ...CUSTOM_STAGES.map((s) => log(`${s}_logfile`, undefined, [`${s}_log_mode`])),
  ],
  // 4/modules/fbl
  fbl: [{ option: 'log_path', default: '/var/log/ecelerity/fbllog.ec', kind: 'log' }],
  // 4/modules/securecreds
  securecreds: [
    { option: 'credentials', default: '/opt/msys/etc/credentials.db', kind: 'credentials' },
    { option: 'key', default: '/opt/msys/etc/credentials.key', kind: 'private-key' },
  ],
  // 4/modules/opendkim, domainkeys: `key` is required, private, and may be a template. The documentation's
  // examples name the modules dkim_sign and dk_sign (3/3-reference/modules-dkim, 3-reference-modules-domainkeys).
  opendkim: [DKIM_KEY],
  dkim: [DKIM_KEY],
  domainkeys: [DKIM_KEY],
  dkim_sign: [DKIM_KEY],
  dk_sign: [DKIM_KEY],
  // 4/config/ref-adaptive-backstore-leveldb
  adaptive_backstore_leveldb: [{ option: 'path', default: '/var/log/ecelerity/adaptive.leveldb', kind: 'data' }],
  // 4/modules/maildir, sched
  maildir: [{ option: 'basedir', kind: 'data', fileModeOptions: ['filemode'], dirModeOptions: ['dirmode'] }],
  sched: [{ option: 'backing_store', kind: 'data' }],

  // Mobile loggers: every page documents logmode (bounce_logmode) "default 0644". Two defaults are relative
  // (values.ts, RELATIVE_BASE), and mms_bounce_logger's is printed "eclerity": kept as documented.
  smpp_logger: [log('logfile', '/var/log/ecelerity/smpplog.ec', ['logmode'])], // mobile/mobile-reference/mobility-configuration-smpp
  mms_logger: [log('logfile', 'var/log/ecelerity/mm7log.ec', ['logmode'])], // mobile/mobile-reference/mobility-mm-7-mms-logger
  xmpp_logger: [log('logfile', '/var/log/ecelerity/xmpplog.ec', ['logmode'])], // mobile/mobile-reference/modules-xmpp-logger
  apn_logger: [log('logfile', 'var/log/ecelerity/apnlog.ec', ['logmode'])], // 3/3-push/apns-modules-apn-logger
  gcm_logger: [log('logfile', '/var/log/ecelerity/gcmlog.ec', ['logmode'])], // 3/3-push/push-modules-gcm-logger
  smpp_bounce_logger: [log('bounce_logfile', '/var/log/ecelerity/smppbouncelog.ec', ['bounce_logmode'])], // mobile/mobile-reference/modules-mobility-smpp-bounce-logger
  mms_bounce_logger: [log('bounce_logfile', '/var/log/eclerity/mmsbouncelog.ec', ['bounce_logmode'])], // mobile/mobile-reference/mobility-mm-7-mms-bounce-logger
  // Other loggers
  chunk_logger: [logNoDefault('destination')], // 3/3-reference/3-reference-modules-chunk-logger
  custom_bounce_logger: [logNoDefault('bouncelog', ['bouncelog_mode'])], // 3/3-reference/3-reference-modules-custom-bounce-logger
  exim_logger: [logNoDefault('mainlog'), logNoDefault('paniclog')], // 3/3-reference/3-reference-modules-exim-logger
  postfix_logger: [logNoDefault('mainlog'), logNoDefault('paniclog')], // 3/3-reference/3-reference-modules-postfix-logger
  sendmail_logger: [logNoDefault('mainlog'), logNoDefault('paniclog')], // 3/3-reference/3-reference-modules-sendmail-logger
  http_logger: [logNoDefault('log')], // 4/modules/http-logger
  event_hydrant: [logNoDefault('jlog_filename')], // 4/modules/event-hydrant
  adaptive: [logNoDefault('jlog_file', [], { default: 'jlog:///var/log/adaptive/adaptive.rt=>ad_stats' })], // 4/modules/4-adaptive
  statp: [logNoDefault('log_file')], // 3/3-reference/modules-stats-producer
  ilf_logger: [logNoDefault('filename_format', [], { template: 'format' })], // 3/3-reference/3-reference-modules-ilf-logger
  as_logger: [logNoDefault('base_dir')], // 3/3-reference/3-reference-modules-as-logger
  pe2_logger: [logNoDefault('filename_template', [], { template: 'format' })], // 3/3-reference/modules-pe-2-logger
  mc_logger: [logNoDefault('logfile')], // web-mc/mc-mtas
  msc_logger: [logNoDefault('msclog_path', ['msclog_mode'])], // web-message-scope/modules.msc_logger
  // Cluster logs: `cluster { logs = [ mainlog = "…" … ] }` (3/3-reference/cluster-config-logging) and
  // eccluster.conf's `Logs { logfile dir_mode file_mode }` (3/3-reference/3-reference-modules-pipeio).
  cluster: [{ option: 'logs', kind: 'log', dictValues: true }],
  logs: [{ option: 'logfile', kind: 'log', template: 'format', fileModeOptions: ['file_mode'], dirModeOptions: ['dir_mode'] }],

  // Output files: 4/modules/pipeio documents output_mode and error_mode "Defaults to 0666"; pipe_transport's
  // page (4/modules/pipe-transport) documents no mode option, and /dev/null where a file is omitted.
  pipe_io: [output('output_file', 'output_mode', 0o666), output('error_file', 'error_mode', 0o666)],
  pipe_transport: [
    { option: 'output_file', kind: 'output' },
    { option: 'error_file', kind: 'output' },
  ],

  // Files only read
  datasource: [{ option: 'uri', kind: 'input', list: true, fileSchemes: DB_SCHEMES, quiet: true }], // 4/modules/ds-core
  sieve: [{ option: 'source', kind: 'input', in: ['script', 'hook'], quiet: true, absoluteOnly: true }], // 3/3-reference/modules-sieve
  scriptlet: [{ option: 'source', kind: 'input', in: ['script', 'hook'], quiet: true, absoluteOnly: true }], // 4/modules/scriptlet
  seedlist: [{ option: 'seedlist_file', kind: 'input' }], // 4/modules/seedlist
  curfew: [{ option: 'schedule_file', kind: 'input' }], // 4/modules/curfew

  // Scratch directories for message copies
  clamav: [AV_SCRATCH], // 4/modules/clamav
  av_fsecure: [AV_SCRATCH], // 3/3-reference/modules-fsecure
  antivirus: [{ ...AV_SCRATCH, in: ['clamav', 'av_fsecure'] }], // 3/3-reference/3-reference-modules-antivirus: engines inside antivirus "x" { … }
  eleven: [
    { option: 'work_dir', kind: 'scratch', default: '/var/tmp' }, // 4/modules/eleven
    { option: 'license', kind: 'private-key', default: '/usr/local/eleven/etc/client.key' }, // 4/modules/eleven: the client key
  ],
};

/** Modules whose `key` options in nested scopes (`dkim_domain "x" { key = … }`) are paths too. */
export const NESTED_KEY_MODULES: ReadonlySet<string> = new Set(['opendkim', 'dkim', 'domainkeys', 'dkim_sign', 'dk_sign']);

/**
 * Options valid in any scope (listeners, bindings, domains …), each holding a dictionary whose `uri` names the
 * file: `AuthDigestMD5Parameters [ uri = "digest:///opt/msys/ecelerity/etc/console_passwd" ]`
 * (3/3-reference/conf-aaa, 4/modules/ds-core). `ecauth://` and directory URIs name no file.
 */
export const AUTH_OPTIONS: readonly ModuleOption[] = [
  'authdigestmd5parameters',
  'authloginparameters',
  'authcrammd5parameters',
  'authplainparameters',
  'authorizationparameters',
].map((option) => ({ option, kind: 'auth', dictKey: 'uri', fileSchemes: ['digest', 'file', 'groups', ...DB_SCHEMES], quiet: true }));

/**
 * trace_smtp_mode (4/config/ref-trace-smtp-mode, global, default 0640): the mode of the trace files the console's
 * `trace smtp` command creates. Where they go is typed at the console, not configured: no path carries it, so it is
 * reported as a setting (`$trace_smtp_mode` in rules) and warned about when it lets every account write.
 */
export const DEFAULT_TRACE_SMTP_MODE = 0o640;

/** persist_io is loaded automatically whenever needed (4/modules/persistio), so its defaults always apply. */
export const PERSIST_IO: ModuleOption = {
  option: 'persist_path',
  default: '/var/log/ecelerity/persist',
  kind: 'persist',
  fileModeOptions: ['filemode'],
  dirModeOptions: ['dirmode'],
  defaultFileMode: 0o600,
  defaultDirMode: 0o700,
};

/** TLS file options, valid in many scopes (listeners, bindings, domains, modules). */
export const TLS_OPTIONS: readonly { option: string; kind: PathKind }[] = [
  { option: 'tls_certificate', kind: 'certificate' },
  { option: 'tls_key', kind: 'private-key' },
  { option: 'tls_ca', kind: 'certificate' },
  { option: 'tls_client_ca', kind: 'certificate' },
];

/** Control_Listener unix sockets: `Listen "/tmp/2025" { File_Mode = 0660 }` (4/control-listener). */
export const CONTROL_SOCKET_MODE = 0o660;

/** spool_mode (4/config/ref-spool-mode): the mode of spool files. */
export const DEFAULT_SPOOL_MODE = 0o640;
