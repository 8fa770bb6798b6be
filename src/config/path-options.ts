import type { PathKind } from './types.js';

/**
 * The options that name paths (MOMENTUM.md §6), with their documented defaults. Data, not code: adding an
 * option is a line here.
 */

/** A global option naming a path. These always yield a path: the default when the option is absent. */
export interface CoreOption {
  option: string;
  default: string;
  kind: PathKind;
}

export const CORE_OPTIONS: readonly CoreOption[] = [
  { option: 'spoolbase', default: '/var/spool/ecelerity', kind: 'spool' }, // 4/config/ref-spoolbase
  { option: 'mta_sts_policy_store', default: '/var/spool/ecelerity/mtasts', kind: 'data' }, // 4/config/mta-sts
  { option: 'pidfile', default: '/var/run/ecelerity.pid', kind: 'pidfile' },
  { option: 'masterdb_file', default: '/var/log/ecelerity/ecdb', kind: 'data' },
  { option: 'license', default: '/opt/msys/ecelerity/etc/license', kind: 'config' },
  { option: 'local_changes_file', default: '/opt/msys/ecelerity/etc/local_changes.conf', kind: 'config' },
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
  /** `%{d}` and `%{s}` expand per domain and selector: the path is a pattern. */
  template?: boolean;
}

const LOG_MODE = 0o644; // the loggers' documented default for every *_mode option

function log(option: string, dflt: string | undefined, modes: string[]): ModuleOption {
  const o: ModuleOption = { option, kind: 'log', fileModeOptions: modes, defaultFileMode: LOG_MODE };
  return dflt === undefined ? o : { ...o, default: dflt };
}

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
  // 4/modules/opendkim, domainkeys: `key` is required, private, and may be a template.
  opendkim: [{ option: 'key', kind: 'private-key', template: true }],
  dkim: [{ option: 'key', kind: 'private-key', template: true }],
  domainkeys: [{ option: 'key', kind: 'private-key', template: true }],
  // 4/config/ref-adaptive-backstore-leveldb
  adaptive_backstore_leveldb: [{ option: 'path', default: '/var/log/ecelerity/adaptive.leveldb', kind: 'data' }],
  // 4/modules/maildir, sched
  maildir: [{ option: 'basedir', kind: 'data', fileModeOptions: ['filemode'], dirModeOptions: ['dirmode'] }],
  sched: [{ option: 'backing_store', kind: 'data' }],
};

/** Modules whose `key` options in nested scopes (`dkim_domain "x" { key = … }`) are paths too. */
export const NESTED_KEY_MODULES: ReadonlySet<string> = new Set(['opendkim', 'dkim', 'domainkeys']);

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
