/**
 * Real-filesystem helpers for the fixer's suites: a temporary root with its own passwd and group files,
 * and snapshots that prove nothing outside the intended entries changed.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChangeRequest, JournalHeader } from '../../src/fix/types.js';
import { typeOfMode } from '../../src/fix/access.js';
import { Applier } from '../../src/fix/apply.js';
import { JournalWriter } from '../../src/fix/journal.js';
import { makeRoot } from '../../src/io/fs.js';
import { openState } from '../../src/io/state.js';
import type { Outcome, Target } from '../../src/types.js';
import { tempDir } from '../support/root.js';

export const ECUSER = 500;
export const ECGROUP = 500;
export const OTHER = 501;
export const ORPHAN = 1234;
export const SERVICE = { uid: ECUSER, gids: [ECGROUP] };

export interface TempRoot {
  dir: string;
  /** Host path of a Momentum path. */
  h(p: string): string;
  /** Mount a fresh tmpfs on a host directory (unmounted by cleanup). */
  tmpfs(host: string): void;
  cleanup(): void;
}

/** A temporary root (0700, root's) with etc/passwd and etc/group naming ecuser (500) and other (501). */
export function tempRoot(): TempRoot {
  const t = tempDir('fix');
  const dir = t.dir;
  fs.mkdirSync(path.join(dir, 'etc'), { mode: 0o755 });
  fs.writeFileSync(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/bash\necuser:x:500:500:Momentum:/opt/msys/ecelerity:/bin/false\nother:x:501:501::/home/other:/bin/sh\n',
  );
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\necuser:x:500:\nother:x:501:\n');
  const mounts: string[] = [];
  return {
    dir,
    h: t.h,
    tmpfs: (host) => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'none', host]);
      mounts.unshift(host);
    },
    cleanup: () => {
      for (const m of mounts) execFileSync('umount', [m]);
      t.cleanup();
    },
  };
}

/** mkdir -p with owner and mode set exactly (chmod after chown: chown clears setid bits). */
export function mkdir(p: string, uid: number, gid: number, mode: number): void {
  fs.mkdirSync(p, { recursive: true });
  fs.chownSync(p, uid, gid);
  fs.chmodSync(p, mode);
}

/** A regular file with owner and mode set exactly. */
export function file(p: string, uid: number, gid: number, mode: number, content = 'x\n'): void {
  fs.writeFileSync(p, content);
  fs.chownSync(p, uid, gid);
  fs.chmodSync(p, mode);
}

export interface Snap {
  uid: number;
  gid: number;
  mode: number;
  ino: number;
  type: string;
}

/** Owner, group, mode, inode and type of every entry under `dir` (links not followed), keyed by host path. */
export function snapshot(dir: string, out = new Map<string, Snap>()): Map<string, Snap> {
  const st = fs.lstatSync(dir);
  out.set(dir, { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, ino: st.ino, type: typeOfMode(st.mode) });
  if (st.isDirectory()) for (const n of fs.readdirSync(dir)) snapshot(path.join(dir, n), out);
  return out;
}

/** The top level of the host's /etc plus the files an attack would aim at. */
export function snapshotEtc(): Map<string, Snap> {
  const out = new Map<string, Snap>();
  for (const p of ['/etc', ...fs.readdirSync('/etc').map((n) => path.join('/etc', n))]) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st) out.set(p, { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, ino: st.ino, type: typeOfMode(st.mode) });
  }
  return out;
}

/** Host paths whose owner, group or mode differ between two snapshots (entries only in one are listed too). */
export function changed(a: Map<string, Snap>, b: Map<string, Snap>): string[] {
  const out: string[] = [];
  for (const [p, s] of a) {
    const t = b.get(p);
    if (!t || t.uid !== s.uid || t.gid !== s.gid || t.mode !== s.mode) out.push(p);
  }
  for (const p of b.keys()) if (!a.has(p)) out.push(p);
  return out.sort();
}

/** A change request for a Momentum path as it is now: the "verdict captured before the swap". */
export function requestFor(root: TempRoot, p: string, tree: string, target: Target): ChangeRequest {
  const st = fs.lstatSync(root.h(p));
  return { path: p, tree, dev: st.dev, ino: st.ino, type: typeOfMode(st.mode), target, rule: 'test.rules:1', expect: null };
}

/** Owner, group and mode of a host path (lstat). */
export function perms(p: string): Target {
  const st = fs.lstatSync(p);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
}

export interface ApplyRun {
  batchSize?: number;
  dryRun?: boolean;
  beforeApply?: () => void;
  /** Called between two requests. */
  between?: () => void;
  clock?: () => number;
  /** Native: false pins each group when it is drained (pinBatch), not posted ahead (see ApplyOptions). */
  pinAhead?: boolean;
}

/**
 * Run requests through an Applier with a journal (`j.jsonl`) in the root's state directory
 * (/var/lib/momentum-perms, made by the caller); the outcomes, and a dry run's plan as `planned` outcomes.
 */
export function applyRequests(root: TempRoot, reqs: ChangeRequest[], o: ApplyRun = {}): Outcome[] {
  const outcomes: Outcome[] = [];
  const state = openState(makeRoot(root.dir), '/var/lib/momentum-perms');
  const header: JournalHeader = { journal: 'momentum-perms', version: 1, command: 'fix', root: root.dir, time: '', pid: process.pid, service: SERVICE };
  let j: JournalWriter | undefined;
  const a = new Applier({
    rootDir: root.dir,
    dryRun: o.dryRun ?? false,
    journal: () => (j ??= JournalWriter.create(state.journals().fd, 'j.jsonl', '/j.jsonl', header)),
    sink: { outcome: (x) => outcomes.push(x), planned: (p) => outcomes.push({ ...p, outcome: 'unchanged', message: 'planned' }) },
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.beforeApply ? { beforeApply: o.beforeApply } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.pinAhead !== undefined ? { pinAhead: o.pinAhead } : {}),
  });
  try {
    reqs.forEach((q, i) => {
      if (i > 0) o.between?.();
      a.submit(q);
    });
    a.close();
  } finally {
    a.abandon();
    j?.close();
    state.close();
  }
  return outcomes;
}
