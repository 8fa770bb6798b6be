/**
 * Small helpers of the apply step: batch sizing, pending-directory lookup, and how values are shown.
 */
import * as fs from 'node:fs';
import type { FixSummary } from './types.js';

export { showTarget } from '../types.js';

export function emptySummary(): FixSummary {
  return { fixed: 0, unchanged: 0, refused: 0, failed: 0, planned: 0 };
}

/**
 * Requests per batch: large enough that the journal's fsync (which also commits the filesystem's dirty
 * metadata) is rare, small enough that the pinned descriptors stay well inside RLIMIT_NOFILE, and that what
 * a batch keeps alive stays in the young generation. Two batches are open at once on the native path (one
 * being changed on the helper thread, the next being pinned), so the two together get half of what the limit
 * leaves; the other half is for the walk's descriptors and the open directory chain, whose depth the service
 * account decides. On 100,000 drifted entries, batches of 4,096 peaked at 120–129 MB resident, of 1,024 at
 * 92–94 MB, in the same time (the fsync of one batch is made while the one before it is being changed).
 */
export function defaultBatchSize(): number {
  let soft = 1024;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) soft = m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // keep the conservative default
  }
  return Math.max(16, Math.min(1024, Math.floor((soft - 128) / 4)));
}

/** Whether `dir` or a directory above it (Momentum paths) is in `dirs`. */
export function atOrBelow(dir: string, dirs: ReadonlySet<string>): boolean {
  if (dirs.size === 0) return false;
  for (let p = dir; ; ) {
    if (dirs.has(p)) return true;
    const i = p.lastIndexOf('/');
    if (i <= 0) return p !== '/' && dirs.has('/');
    p = p.slice(0, i);
  }
}
