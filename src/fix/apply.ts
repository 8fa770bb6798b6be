/**
 * The I/O edge of the fixer. For each change request: reach the entry through the no-follow directory
 * chain, pin its inode with an O_PATH descriptor, check it against what the walk saw and against the
 * safety rules, journal it, then change it through `/proc/self/fd/N` and read it back.
 *
 * Requests are handled in batches: verify and pin each (descriptors stay open), write the batch's journal
 * lines with one fsync, then apply. A directory's change ends the batch at once, so that its children are
 * judged against the directory as the fix left it.
 */
import * as fs from 'node:fs';
import type { Outcome, RefusalReason, Target } from '../types.js';
import { octal } from '../types.js';
import { badName, DirChain, fdPath, openEntry, ReachError, typeOfMode } from './access.js';
import type { JournalWriter } from './journal.js';
import {
  grantsSetid,
  parentUnsafe,
  type Perms,
  REFUSAL_TEXT,
  sameValues,
  writableByService,
} from './safety.js';
import type { ChangeRequest, FixSink, FixSummary, JournalRecord, ServiceIds } from './types.js';

export interface ApplyOptions {
  rootDir: string;
  service: ServiceIds;
  /** Check everything, report the plan, change nothing. */
  dryRun: boolean;
  /** Opened on first use (a run with nothing to change leaves no journal behind). */
  journal: () => JournalWriter;
  sink: FixSink;
  /** Requests verified and pinned before one journal fsync (default 256). */
  batchSize?: number;
  /** Called between journaling a batch and applying it (tests use it to stop a run there). */
  beforeApply?: () => void;
  /**
   * Hold back requests refused only for their parent and retry them after the rest (see settle()).
   * Undo needs it: replayed backwards, an entry may come before the directory that makes it safe.
   */
  retryUnsafeParents?: boolean;
}

interface Pinned {
  req: ChangeRequest;
  fd: number;
  before: Target;
}

/** Per directory: what the chain from the tree root down to it says. */
interface TreeInfo {
  key: string;
  /** Device of the tree root, or -1 when the entry is the tree root itself. */
  treeDev: number;
  crosses: boolean;
  serviceWritable: boolean;
}

/** `uid:gid 0644`, the way plans and reports show values. */
export function showTarget(t: Target): string {
  return `${t.uid}:${t.gid} ${octal(t.mode)}`;
}

export function emptySummary(): FixSummary {
  return { fixed: 0, unchanged: 0, refused: 0, failed: 0, planned: 0 };
}

export class Applier {
  readonly summary: FixSummary = emptySummary();
  private readonly chain: DirChain;
  private readonly batch: Pinned[] = [];
  private readonly batchSize: number;
  private info: TreeInfo | null = null;
  private closed = false;
  private deferring: boolean;
  private deferred: ChangeRequest[] = [];

  constructor(private readonly o: ApplyOptions) {
    this.chain = new DirChain(o.rootDir);
    this.batchSize = o.batchSize ?? 256;
    this.deferring = o.retryUnsafeParents === true;
  }

  /**
   * Retry the requests held back for an unsafe parent, parents first, as long as each round makes
   * progress; what is still refused after that is reported. Every retry passes every check again.
   */
  settle(): void {
    while (this.deferred.length > 0) {
      this.flush();
      const round = this.deferred.reverse();
      this.deferred = [];
      for (const r of round) this.submit(r);
      this.flush();
      if (this.deferred.length >= round.length) {
        this.deferring = false;
        const last = this.deferred;
        this.deferred = [];
        for (const r of last) this.submit(r);
      }
    }
  }

  /** Record a refusal decided before any I/O (by the pure plan). */
  refused(path: string, before: Target, after: Target | null, reason: RefusalReason, rule: string | null): void {
    this.emit({ path, outcome: 'refused', before, after, reason, message: REFUSAL_TEXT[reason], rule });
  }

  /** Verify and pin one request; applies the batch when it is full or when the request is a directory. */
  submit(req: ChangeRequest): void {
    const pinned = this.verify(req);
    if (pinned === null) return;
    if (this.o.dryRun) {
      fs.closeSync(pinned.fd);
      this.summary.planned++;
      this.o.sink.planned?.({ path: req.path, before: pinned.before, after: req.target, rule: req.rule });
      return;
    }
    this.batch.push(pinned);
    if (this.batch.length >= this.batchSize || req.type === 'dir') this.flush();
  }

  /** Journal and apply whatever is pinned. */
  flush(): void {
    if (this.batch.length === 0) return;
    const records: JournalRecord[] = this.batch.map((p) => ({
      path: p.req.path,
      dev: p.req.dev,
      ino: p.req.ino,
      before: p.before,
      after: p.req.target,
      type: p.req.type,
      tree: p.req.tree,
    }));
    this.o.journal().append(records);
    this.o.beforeApply?.();
    for (const p of this.batch) this.change(p);
    this.batch.length = 0;
  }

  /** Apply what is pending and close every descriptor. */
  close(): void {
    this.flush();
    this.abandon();
  }

  /** Close every descriptor without applying what is pinned (after an error). Safe to call twice. */
  abandon(): void {
    for (const p of this.batch) fs.closeSync(p.fd);
    this.batch.length = 0;
    if (!this.closed) this.chain.close();
    this.closed = true;
  }

  private verify(req: ChangeRequest): Pinned | null {
    const slash = req.path.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : req.path.slice(0, slash);
    const name = req.path.slice(slash + 1);
    const refuse = (reason: RefusalReason, before: Target | null, message?: string): null => {
      this.emit({ path: req.path, outcome: 'refused', before, after: req.target, reason, message: message ?? REFUSAL_TEXT[reason], rule: req.rule });
      return null;
    };
    if (badName(name)) return refuse('changed-during-fix', null);
    let depth: number;
    try {
      depth = this.chain.enter(parent);
    } catch (e) {
      return this.unreachable(req, e);
    }
    const info = this.treeInfo(parent, req.tree, depth);
    let fd: number;
    try {
      fd = openEntry(this.chain.fd(depth), name);
    } catch (e) {
      return this.unreachable(req, new ReachError(errnoOf(e) === 'ENOENT' ? 'vanished' : 'errno', errnoOf(e), req.path));
    }
    const st = fs.fstatSync(fd);
    const now: Target = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    const drop = (reason: RefusalReason, message?: string): null => {
      fs.closeSync(fd);
      return refuse(reason, now, message);
    };
    const type = typeOfMode(st.mode);
    // Another inode or type behind the name than the walk saw: swapped between the walk and now.
    if (st.dev !== req.dev || st.ino !== req.ino || type !== req.type) {
      return drop(type === 'symlink' ? 'symlink' : 'changed-during-fix');
    }
    // A mount below the tree root (or a chain that crossed one): the tree's owner does not decide there.
    if (info.crosses || (info.treeDev !== -1 && st.dev !== info.treeDev)) return drop('other-filesystem');
    // A hard link made since the walk: a second name (maybe outside the tree) for what would be chowned.
    if (type === 'file' && st.nlink > 1) return drop('hardlinked');
    if (sameValues(now, req.target, type)) {
      fs.closeSync(fd);
      this.emit({ path: req.path, outcome: 'unchanged', before: now, after: req.target, message: 'already as wanted', rule: req.rule });
      return null;
    }
    if (req.expect !== null && !sameValues(now, req.expect, type)) {
      return drop('changed-during-fix', `changed since the fix: now ${showTarget(now)}, the fix left ${showTarget(req.expect)}`);
    }
    // A directory a third account can write: it could rename the entry away and put another in its place.
    if (parentUnsafe(this.chain.node(depth), req.target.uid)) {
      if (!this.deferring) return drop('unsafe-parent');
      fs.closeSync(fd);
      this.deferred.push(req);
      return null;
    }
    // setuid/setgid/sticky where `$user` can write (a directory on the way, or the entry itself).
    if (grantsSetid(now, req.target, type) && (info.serviceWritable || writableByService(now, this.o.service))) {
      return drop('setid-in-user-tree');
    }
    return { req, fd, before: now };
  }

  private unreachable(req: ChangeRequest, e: unknown): null {
    if (!(e instanceof ReachError)) throw e;
    const base = { path: req.path, before: null, after: req.target, rule: req.rule };
    if (e.kind === 'vanished') {
      // The spool removes files all day: a vanished entry has nothing left to fix.
      this.emit({ ...base, outcome: 'unchanged', message: `vanished before it could be fixed (${e.at})` });
    } else if (e.kind === 'symlink') {
      this.emit({ ...base, outcome: 'refused', reason: 'symlink', message: `${e.at} is a symbolic link where a directory was expected` });
    } else if (e.kind === 'not-dir') {
      this.emit({ ...base, outcome: 'refused', reason: 'changed-during-fix', message: `${e.at} is no longer a directory` });
    } else {
      this.emit({ ...base, outcome: 'failed', errno: e.errno, message: `cannot open ${e.at}: ${e.errno}` });
    }
    return null;
  }

  /** What the chain from the tree root to `dir` says; cached while consecutive entries share it. */
  private treeInfo(dir: string, tree: string, depth: number): TreeInfo {
    const key = dir + '\0' + tree;
    if (this.info !== null && this.info.key === key) return this.info;
    const treeDepth = tree === '/' ? 0 : tree.split('/').length - 1;
    let treeDev = -1;
    let crosses = false;
    let serviceWritable = false;
    if (depth >= treeDepth) {
      treeDev = this.chain.node(treeDepth).dev;
      for (let i = treeDepth; i <= depth; i++) {
        const n = this.chain.node(i);
        if (n.dev !== treeDev) crosses = true;
        if (writableByService(n, this.o.service)) serviceWritable = true;
      }
    }
    this.info = { key, treeDev, crosses, serviceWritable };
    return this.info;
  }

  /** chown only when the ids differ (it clears setuid/setgid and capabilities), chmod after, read back. */
  private change(p: Pinned): void {
    const { req, fd, before } = p;
    const t = req.target;
    const at = fdPath(fd);
    const base = { path: req.path, before, after: t, rule: req.rule };
    try {
      const chowned = before.uid !== t.uid || before.gid !== t.gid;
      if (chowned) fs.chownSync(at, t.uid, t.gid);
      // Never chmod a link (Linux has no lchmod; through /proc it would fail or hit the target).
      if (req.type !== 'symlink' && (before.mode !== t.mode || (chowned && (t.mode & 0o7000) !== 0))) {
        fs.chmodSync(at, t.mode);
      }
      const st = fs.fstatSync(fd);
      const got: Perms = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      if (sameValues(got, t, req.type)) {
        this.emit({ ...base, outcome: 'fixed', message: `${showTarget(before)} → ${showTarget(t)}` });
      } else {
        this.emit({ ...base, outcome: 'failed', errno: 'EIO', message: `read back ${showTarget(got)}, not ${showTarget(t)}` });
      }
      if (req.type === 'dir') {
        this.chain.refresh(req.dev, req.ino);
        this.info = null;
      }
    } catch (e) {
      const code = errnoOf(e) ?? 'EIO';
      this.emit({ ...base, outcome: 'failed', errno: code, message: `${code} while changing ${showTarget(before)} → ${showTarget(t)}` });
    } finally {
      fs.closeSync(fd);
    }
  }

  private emit(o: Outcome): void {
    this.summary[o.outcome]++;
    this.o.sink.outcome?.(o);
  }
}

function errnoOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EIO';
}
