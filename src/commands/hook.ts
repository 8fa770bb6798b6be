/**
 * `momentum-perms hook pre-upgrade|post-upgrade`: for package scriptlets. Only parses options, calls the
 * API and returns its status (0 unless --strict: a hook never blocks a package transaction).
 */
import { MpError } from '../errors.js';
import { makeRoot } from '../io/fs.js';
import { HOOK_PHASES, hookRoot, runHookPhase, type HookOptions, type HookPhase } from '../upgrade/hook.js';
import { DEFAULT_LOG_FILE, hookLog } from '../upgrade/log.js';
import { auditOptionsOf } from './audit.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

export interface HookCliOptions extends CommonOptions {
  strict?: boolean;
  logFile?: string;
  /** false with --no-syslog. */
  syslog?: boolean;
}

/** Run a hook phase; `env` is the process environment (DPKG_ROOT). */
export async function runHook(phase: string, o: HookCliOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!(HOOK_PHASES as readonly string[]).includes(phase)) {
    throw new MpError('MP300', `unknown hook phase "${phase}" (known: ${HOOK_PHASES.join(', ')})`);
  }
  const root = hookRoot(o.root, env);
  const opts: HookOptions = { ...auditOptionsOf({ ...o, ...(root !== undefined ? { root } : {}) }) };
  // No package layer in a package scriptlet: it runs inside rpm's transaction, where a nested rpm query can
  // wait on the database lock the transaction holds, and the hook must never block the transaction.
  opts.packages = { rpm: false };
  if (o.stateDir !== undefined) opts.stateDir = o.stateDir;
  if (o.strict) opts.strict = true;
  const log = hookLog({
    root: makeRoot(root),
    logFile: o.logFile ?? DEFAULT_LOG_FILE,
    syslog: o.syslog !== false,
    out: (t) => io.out(t),
    err: (t) => io.err(t),
  });
  return (await runHookPhase(phase as HookPhase, opts, log)).status;
}
