/**
 * What the hooks leave for monitoring: the last outcome of each phase, kept root-only in the state
 * directory (STATE/hook-status.json) and rendered as node_exporter metrics (momentum_perms_hook.prom in the
 * textfile directory), so that a hook that could not do its job inside a package transaction, which it
 * never fails, still raises an alert.
 */
import * as fs from 'node:fs';
import { renderHookMetrics } from '../report/prometheus.js';
import { openState } from '../io/state.js';
import { DEFAULT_STATE_DIR } from '../settings.js';
import { fdPath } from '../io/fd.js';
import { openSafe } from '../io/safe-open.js';
import { errnoOf, hostPath, makeRoot, type Root } from '../io/fs.js';
import { openAtomic } from '../io/atomic.js';
import type { HookLog } from './log.js';

export const HOOK_STATUS_FILE = 'hook-status.json';
export const HOOK_METRICS_FILE = 'momentum_perms_hook.prom';

/** node_exporter's textfile directories: Debian's package, then the one RHEL-family packages use. */
export const TEXTFILE_DIRS = ['/var/lib/prometheus/node-exporter', '/var/lib/node_exporter/textfile_collector'] as const;
export const TEXTFILE_ENV = 'MOMENTUM_PERMS_TEXTFILE_DIR';

export interface PhaseStatus {
  status: number;
  /** Unix time in seconds. */
  at: number;
  message: string;
  /** When the phase last finished with status 0 or 1 (milliseconds since the epoch), kept across later records. */
  okMs?: number;
}
export type HookStatus = Record<string, PhaseStatus>;

/**
 * The textfile directory (a Momentum path): the one given, else $MOMENTUM_PERMS_TEXTFILE_DIR, else the first
 * of TEXTFILE_DIRS that exists under root; null when there is none.
 */
export function textfileDir(root: Root, given: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (given !== undefined) return given;
  const e = env[TEXTFILE_ENV];
  if (e !== undefined && e !== '') return e;
  for (const d of TEXTFILE_DIRS) if (fs.statSync(hostPath(root, d), { throwIfNoEntry: false })?.isDirectory()) return d;
  return null;
}

const MAX_STATUS_BYTES = 64 * 1024;
/** A phase's message is cut to this: the status of every phase must fit the file, whatever a message says. */
export const MAX_MESSAGE = 1000;

/** The status file could not be read: what it recorded is unknown. */
export const UNREADABLE = 'unreadable' as const;

/**
 * Read the status file through the open state directory (openSafe): never through a link, never a FIFO or
 * a device, never more than 64 KiB. No file is "no status yet"; anything else odd is UNREADABLE, and
 * callers fail closed on it (a record of a failure must not be lost by being unreadable).
 */
function readStatus(stateFd: number): HookStatus | typeof UNREADABLE {
  const got = openSafe(fdPath(stateFd, HOOK_STATUS_FILE), { want: 'file', maxBytes: MAX_STATUS_BYTES });
  if ('refused' in got) return got.refused === 'missing' && got.errno === 'ENOENT' ? {} : UNREADABLE;
  const { fd, st } = got;
  try {
    const buf = Buffer.alloc(st.size);
    const n = fs.readSync(fd, buf, 0, st.size, 0);
    const parsed = JSON.parse(buf.subarray(0, n).toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return UNREADABLE;
    const out: HookStatus = {};
    for (const [k, v] of Object.entries(parsed as Record<string, Partial<PhaseStatus>>)) {
      if (typeof v?.status === 'number' && typeof v.at === 'number') {
        out[k] = { status: v.status, at: v.at, message: String(v.message ?? ''), ...(typeof v.okMs === 'number' ? { okMs: v.okMs } : {}) };
      }
    }
    return out;
  } catch {
    return UNREADABLE;
  } finally {
    fs.closeSync(fd);
  }
}

/** The recorded status of every phase (as root), or UNREADABLE (a state directory or file that is not right). */
export function hookStatus(o: { root?: string | undefined; stateDir?: string | undefined }): HookStatus | typeof UNREADABLE {
  try {
    const state = openState(makeRoot(o.root), o.stateDir ?? DEFAULT_STATE_DIR);
    try {
      return readStatus(state.state.fd);
    } finally {
      state.close();
    }
  } catch {
    return UNREADABLE;
  }
}

/**
 * Record a phase's outcome (as root only: elsewhere there is no state to keep) and refresh the metrics.
 * Never throws: a status that cannot be recorded is one more log line.
 */
export function recordHookStatus(
  o: { root?: string | undefined; stateDir?: string | undefined; textfileDir?: string | null | undefined },
  phase: string,
  status: number,
  now: Date,
  message: string,
  log: HookLog,
): void {
  if (process.geteuid?.() !== 0) return;
  const root = makeRoot(o.root);
  let all: HookStatus;
  try {
    const state = openState(root, o.stateDir ?? DEFAULT_STATE_DIR);
    try {
      const read = readStatus(state.state.fd);
      // Kept as it is, not replaced by this phase alone: it may hold the record of a failure.
      if (read === UNREADABLE) throw new Error(`${state.state.path}/${HOOK_STATUS_FILE} cannot be read; it is left as it is`);
      all = read;
      const cut = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
      const at = Math.floor(now.getTime() / 1000);
      const okMs = status < 2 ? now.getTime() : all[phase]?.okMs;
      all[phase] = { status, at, message: cut, ...(okMs !== undefined ? { okMs } : {}) };
      const f = openAtomic(fdPath(state.state.fd, HOOK_STATUS_FILE), 0o600, `${state.state.path}/${HOOK_STATUS_FILE}`);
      try {
        f.write(JSON.stringify(all) + '\n');
        f.commit();
      } catch (e) {
        f.abort();
        throw e;
      }
    } finally {
      state.close();
    }
  } catch (e) {
    log.line('warning', `${phase}: could not record the hook's status: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const dir = textfileDir(root, o.textfileDir);
  if (dir === null) return;
  try {
    const f = openAtomic(hostPath(root, `${dir}/${HOOK_METRICS_FILE}`), 0o644, `${dir}/${HOOK_METRICS_FILE}`);
    try {
      f.write(renderHookMetrics(all));
      f.commit();
    } catch (e) {
      f.abort();
      throw e;
    }
  } catch (e) {
    log.line('warning', `${phase}: could not write the hook's metrics to ${dir}: ${e instanceof Error ? e.message : (errnoOf(e) ?? String(e))}`);
  }
}
