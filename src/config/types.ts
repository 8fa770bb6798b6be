import type { IdRef } from '../types.js';

/** A value with where it came from: `file:line`, or `default` when the configuration does not set it. */
export interface Sourced<T> {
  value: T;
  source: string;
}

/**
 * What a configuration-derived path is, which decides the rules that apply to it (`@kind` in rules files).
 * - spool: spoolbase (a tree)            - log: a log file or jlog directory a logger writes
 * - persist: persist_io's tree            - private-key: DKIM/domainkeys keys, TLS keys, securecreds key
 * - certificate: TLS certificates and CAs  - credentials: the securecreds database
 * - socket: a control-listener unix socket - pidfile
 * - config: license, local_changes_file    - data: other directories and files ecuser reads and writes
 * - auth: authentication and authorization files (console_passwd, roles): private, read by ecuser
 * - output: files a program's output is written to (pipe_io, pipe_transport): never world-writable
 * - input: files ecelerity only reads (datasource databases, sieve and Lua sources, seed lists, schedules,
 *   DH parameters, resolv.conf): whoever can write them steers the MTA
 * - scratch: directories where modules write temporary copies of messages (antivirus, eleven)
 */
export type PathKind =
  | 'spool'
  | 'log'
  | 'persist'
  | 'private-key'
  | 'certificate'
  | 'credentials'
  | 'socket'
  | 'pidfile'
  | 'config'
  | 'data'
  | 'auth'
  | 'output'
  | 'input'
  | 'scratch';

export const PATH_KINDS: readonly PathKind[] = [
  'spool',
  'log',
  'persist',
  'private-key',
  'certificate',
  'credentials',
  'socket',
  'pidfile',
  'config',
  'data',
  'auth',
  'output',
  'input',
  'scratch',
];

/** A path the configuration names (or the documented default where the option is absent). */
export interface ConfigPath {
  /** The option as documented, lower-case, with the module when it matters: `spoolbase`, `ec_logger.mainlog`. */
  option: string;
  /**
   * Absolute Momentum path. For templates (DKIM `key` with `%{d}`/`%{s}`) each macro is replaced by `*`
   * and `pattern` is true; `jlog://` and `cluster://` URIs are reduced to their filesystem path.
   */
  path: string;
  /** `file:line`, or `default`. */
  source: string;
  kind: PathKind;
  pattern?: boolean;
  /** The value as written, when it differs from `path` (a URI or a template). */
  raw?: string;
  /** A mode the configuration sets for this path (spool_mode, persist_io filemode/dirmode, File_Mode). */
  fileMode?: Sourced<number>;
  dirMode?: Sourced<number>;
  /** The scope the option was found in when it is not the global one: `ESMTP_Listener > Listen ":25"`. */
  scope?: string;
}

export interface ConfigWarning {
  /** Stable code, e.g. `no-security-stanza`, `user-is-root`, `unknown-capability`, `unknown-id`. */
  code: string;
  message: string;
  source: string;
}

export interface SecurityModel {
  user: IdRef;
  group: IdRef;
  supplementalGroups: IdRef[];
  chroot: Sourced<string> | null;
  capabilities: Sourced<string> | null;
}

/** The configuration as the tool understands it: what `momentum-perms config --json` prints. */
export interface MomentumConfig {
  /** Momentum path of the top-level file read. */
  configFile: string;
  /** Every file read, in the order read (Momentum paths). */
  files: string[];
  /** `3.x` when found on the 3.x search path (etc/ first), `4.x` otherwise; the rules choose from it. */
  version: '3.x' | '4.x';
  security: SecurityModel;
  paths: ConfigPath[];
  warnings: ConfigWarning[];
  /**
   * Scalar settings rules may refer to as `$name` (lower-case option names): at least `spool_mode`
   * (default 0640, as an octal string `0640`).
   */
  settings: Record<string, Sourced<string>>;
}

/** Options for reading the configuration. */
export interface ReadConfigOptions {
  /** `--config FILE` (a Momentum path, resolved under root). */
  configFile?: string;
  /** `--node NAME` for `{NODENAME}` in the 4.x search path; defaults to the host name. */
  node?: string;
  /**
   * `EC_CONF_SEARCH_PATH` (colon-separated directories, `{NODENAME}` expanded) replacing the default search path.
   * When absent, the value in /opt/msys/ecelerity/etc/environment is used, if any.
   */
  searchPath?: string;
}
