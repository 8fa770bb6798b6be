/**
 * `momentum-perms hook pre-upgrade|post-upgrade|post-transaction`: for package triggers. Only parses options,
 * calls the API and returns its status (0 unless --strict: a hook never blocks a package transaction).
 */
import * as fs from 'node:fs';
import { MpError } from '../errors.js';
import { errnoOf, readRegularFile, realFs } from '../io/fs.js';
// The published API (src/index.ts), imported module by module: the barrel would load every command's code.
import { apiOptions, resolveSettings } from '../settings.js';
import { HOOK_PHASES, hookRoot, runHookPhase, type HookOptions, type HookPhase } from '../upgrade/hook.js';
import { DEFAULT_LOG_FILE, hookLog } from '../upgrade/log.js';
import { stdoutState, type Io } from './io.js';
import type { CommonOptions } from './options.js';

export interface HookCliOptions extends CommonOptions {
  strict?: boolean;
  logFile?: string;
  /** false with --no-syslog. */
  syslog?: boolean;
  /** `--files-from FILE` ('-': standard input): the transaction's file names, one per line. */
  filesFrom?: string;
  textfileDir?: string;
}

/** A list larger than this is not a package transaction's: read no further than that. */
const MAX_LIST_BYTES = 256 * 1024 * 1024;

/**
 * The transaction's file names. They come from the package manager (root), and only choose which spool
 * entries the post-upgrade fix examines: every change is still decided by the rules and made by the fixer's
 * checks, so a name outside the trees or a forged list can at most make the hook look at less or more.
 */
export function readFileList(from: string, readFd: (fd: number) => Buffer = defaultRead): string[] {
  let text: string;
  try {
    if (from === '-') text = readFd(0).toString('utf8');
    else {
      // Checked and read on one descriptor: a FIFO (or a device) in its place would hang the transaction.
      const r = readRegularFile(realFs, from, MAX_LIST_BYTES);
      if ('refused' in r) throw new MpError('MP300', `cannot read the file list ${from}: ${r.refused}`);
      text = r.text;
    }
  } catch (e) {
    if (e instanceof MpError) throw e;
    throw new MpError('MP300', `cannot read the file list ${from === '-' ? 'from standard input' : from}: ${errnoOf(e) ?? String(e)}`);
  }
  if (text.length > MAX_LIST_BYTES) throw new MpError('MP300', `the file list ${from} is larger than ${MAX_LIST_BYTES} bytes`);
  return text.split('\n').filter((l) => l !== '');
}

function defaultRead(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const b = Buffer.alloc(1 << 16);
  let total = 0;
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, b, 0, b.length, null);
    } catch (e) {
      if (errnoOf(e) === 'EAGAIN') continue;
      if (errnoOf(e) === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(b.subarray(0, n)));
    total += n;
    if (total > MAX_LIST_BYTES) break;
  }
  return Buffer.concat(chunks);
}

/** Run a hook phase; `env` is the process environment (DPKG_ROOT). */
export async function runHook(phase: string, o: HookCliOptions, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Its status never answers for its output (a package transaction must not fail for it): the log file and
  // syslog carry what it says.
  stdoutState.matters = false;
  if (!(HOOK_PHASES as readonly string[]).includes(phase)) {
    throw new MpError('MP300', `unknown hook phase "${phase}" (known: ${HOOK_PHASES.join(', ')})`);
  }
  const root = hookRoot(o.root, env);
  const s = resolveSettings({ ...o, ...(root !== undefined ? { root } : {}) }, env);
  const opts: HookOptions = { ...apiOptions(s) };
  // No package layer in a package scriptlet: it runs inside rpm's transaction, where a nested rpm query can
  // wait on the database lock the transaction holds, and the hook must never block the transaction.
  opts.packages = { rpm: false };
  if (o.strict) opts.strict = true;
  if (o.textfileDir !== undefined) opts.textfileDir = o.textfileDir;
  const log = hookLog({
    root: s.root,
    logFile: o.logFile ?? DEFAULT_LOG_FILE,
    syslog: o.syslog !== false,
    out: (t) => io.out(t),
    err: (t) => io.err(t),
  });
  if (o.filesFrom !== undefined) {
    try {
      opts.files = readFileList(o.filesFrom);
    } catch (e) {
      // Without the list the hook still does the rest of its job (the non-spool trees).
      log.line('warning', `${phase}: ${e instanceof Error ? e.message : String(e)}; going on without it`);
    }
  }
  return (await runHookPhase(phase as HookPhase, opts, log)).status;
}
