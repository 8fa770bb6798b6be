/**
 * The I/O edge of the fixer. For each change request: reach the entry through the no-follow directory
 * chain, pin its inode with an O_PATH descriptor, check it against what the walk saw and against the
 * safety rules, journal it, then change it through `/proc/self/fd/N` and read it back.
 *
 * Requests are handled in batches: verify and pin each (descriptors stay open), write the batch's journal
 * lines with one fsync, then apply. Before an entry below a directory whose change is still pending is
 * judged, the batch is applied, so that entries are judged against their directories as the fix left them.
 */
import * as fs from 'node:fs';
import type { Outcome, RefusalReason, Target } from '../types.js';
import { badName, DirChain, type DirNode, fdPath, openEntry, ReachError, typeOfMode } from './access.js';
import type { JournalWriter } from './journal.js';
import { atOrBelow, defaultBatchSize, emptySummary, showTarget } from './batch.js';
import { judge, unreachableOutcome, type Seen, type Where } from './judge.js';
import { type Perms, REFUSAL_TEXT, sameValues, writableByNonRoot } from './safety.js';
import type { ChangeRequest, FixSink, FixSummary, JournalRecord } from './types.js';

export interface ApplyOptions {
  rootDir: string;
  /** Check everything, report the plan, change nothing. */
  dryRun: boolean;
  /** Opened on first use (a run with nothing to change leaves no journal behind). */
  journal: () => JournalWriter;
  sink: FixSink;
  /** Requests verified and pinned before one journal fsync (default: defaultBatchSize()). */
  batchSize?: number;
  /** Called between journaling a batch and applying it (tests use it to stop a run there). */
  beforeApply?: () => void;
  /**
   * Hold back requests refused only for their parent and retry them after the rest (see settle()).
   * Undo needs it: replayed backwards, an entry may come before the directory that makes it safe.
   */
  retryUnsafeParents?: boolean;
  /**
   * Whether the kernel keeps accounts from hard-linking files they cannot read and write
   * (fs.protected_hardlinks). Default: read from /proc/sys/fs/protected_hardlinks, false when unreadable.
   * Tests set it to prove both answers without changing the machine's setting.
   */
  hardlinksProtected?: boolean;
}

/** fs.protected_hardlinks as the running kernel has it; false when it cannot be read. */
export function kernelProtectsHardlinks(): boolean {
  try {
    return fs.readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

interface Pinned {
  req: ChangeRequest;
  fd: number;
  before: Target;
}

/** The last directory's Where, with the key it was computed for. */
interface TreeInfo {
  key: string;
  where: Where;
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
  /** Dry run: directories (by dev:ino) with a planned change, and the values it would give them. */
  private readonly planned = new Map<string, Target>();
  /** Directories (Momentum paths) with a change in the current batch. */
  private readonly pendingDirs = new Set<string>();
  private lastParent = '';
  private readonly hardlinksProtected: boolean;

  constructor(private readonly o: ApplyOptions) {
    this.chain = new DirChain(o.rootDir);
    this.batchSize = o.batchSize ?? defaultBatchSize();
    this.deferring = o.retryUnsafeParents === true;
    this.hardlinksProtected = o.hardlinksProtected ?? kernelProtectsHardlinks();
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
      // The plan is exact only if entries below a directory are judged as the real run would, after it.
      if (req.type === 'dir') {
        this.planned.set(`${req.dev}:${req.ino}`, req.target);
        this.info = null;
      }
      this.summary.planned++;
      this.o.sink.planned?.({ path: req.path, before: pinned.before, after: req.target, rule: req.rule });
      return;
    }
    this.batch.push(pinned);
    if (req.type === 'dir') this.pendingDirs.add(req.path);
    if (this.batch.length >= this.batchSize) this.flush();
  }

  /** Journal and apply whatever is pinned. */
  flush(): void {
    if (this.batch.length === 0) return;
    const journal = this.o.journal();
    const records: JournalRecord[] = [];
    const kept: Pinned[] = [];
    for (const p of this.batch) {
      const r: JournalRecord = { path: p.req.path, dev: p.req.dev, ino: p.req.ino, before: p.before, after: p.req.target, type: p.req.type, tree: p.req.tree };
      if (journal.admit(r)) {
        records.push(r);
        kept.push(p);
      } else {
        fs.closeSync(p.fd);
        this.refuse(p.req, p.before, 'journal-budget');
      }
    }
    journal.append(records);
    this.o.beforeApply?.();
    for (const p of kept) this.change(p);
    this.batch.length = 0;
    this.pendingDirs.clear();
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
    if (badName(name)) return this.refuse(req, null, 'changed-during-fix');
    if (parent !== this.lastParent) {
      // Judge this directory's entries against it as the fix leaves it: apply what is pending above first.
      if (atOrBelow(parent, this.pendingDirs)) this.flush();
      this.lastParent = parent;
    }
    let depth: number;
    let fd: number;
    try {
      depth = this.chain.enter(parent);
      fd = openEntry(this.chain.fd(depth), name);
    } catch (e) {
      if (e instanceof ReachError) return this.unreachable(req, e);
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code !== 'string') throw e; // a bug, not the disk
      return this.unreachable(req, new ReachError(code === 'ENOENT' ? 'vanished' : 'errno', code, req.path));
    }
    const st = fs.fstatSync(fd);
    const now: Target = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    const seen: Seen = { dev: st.dev, ino: st.ino, type: typeOfMode(st.mode), nlink: st.nlink, now };
    const where = this.where(parent, req.tree, depth);
    const j = judge(req, seen, where, showTarget);
    if (j.kind === 'go') return { req, fd, before: now };
    fs.closeSync(fd);
    if (j.kind === 'unchanged') {
      this.emit({ path: req.path, outcome: 'unchanged', before: now, after: req.target, message: 'already as wanted', rule: req.rule });
    } else if (j.kind === 'parent' && this.deferring) {
      this.deferred.push(req);
    } else {
      this.refuse(req, now, j.kind === 'parent' ? 'unsafe-parent' : j.reason, j.kind === 'refused' ? j.message : undefined);
    }
    return null;
  }

  private refuse(req: ChangeRequest, before: Target | null, reason: RefusalReason, message?: string): null {
    this.emit({ path: req.path, outcome: 'refused', before, after: req.target, reason, message: message ?? REFUSAL_TEXT[reason], rule: req.rule });
    return null;
  }

  private unreachable(req: ChangeRequest, e: ReachError): null {
    this.emit(unreachableOutcome(req, e));
    return null;
  }

  /** What the chain from the tree root to `dir` says; cached while consecutive entries share it. */
  private where(dir: string, tree: string, depth: number): Where {
    const key = dir + '\0' + tree;
    if (this.info !== null && this.info.key === key) return this.info.where;
    const treeDepth = tree === '/' ? 0 : tree.split('/').length - 1;
    const where: Where = { treeDev: -1, crosses: false, userWritable: false, parent: this.node(depth), hardlinksProtected: this.hardlinksProtected };
    // Every directory on the way counts, those above the tree root too (the root directory excepted: the
    // administrator named it): whoever can write one can replace everything below it.
    for (let i = 1; i <= depth; i++) if (writableByNonRoot(this.node(i))) where.userWritable = true;
    if (depth >= treeDepth) {
      where.treeDev = this.chain.node(treeDepth).dev;
      for (let i = treeDepth; i <= depth; i++) if (this.node(i).dev !== where.treeDev) where.crosses = true;
    }
    this.info = { key, where };
    return where;
  }

  /** An open directory's values; in a dry run, as the planned change of that directory would leave them. */
  private node(depth: number): DirNode {
    const n = this.chain.node(depth);
    if (this.planned.size === 0) return n;
    const t = this.planned.get(`${n.dev}:${n.ino}`);
    return t === undefined ? n : { dev: n.dev, ino: n.ino, uid: t.uid, gid: t.gid, mode: t.mode };
  }

  /** chown only when the ids differ (it clears setuid/setgid and capabilities), chmod after, read back. */
  private change(p: Pinned): void {
    const { req, fd, before } = p;
    const t = req.target;
    const at = fdPath(fd);
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
        this.emit({ path: req.path, outcome: 'fixed', before, after: t, message: 'fixed', rule: req.rule });
      } else {
        this.emit({ path: req.path, outcome: 'failed', before, after: t, errno: 'EIO', message: `read back ${showTarget(got)}, not ${showTarget(t)}`, rule: req.rule });
      }
      if (req.type === 'dir') {
        this.chain.refresh(req.dev, req.ino);
        this.info = null;
      }
    } catch (e) {
      const code = errnoOf(e);
      this.emit({ path: req.path, outcome: 'failed', before, after: t, errno: code, message: `${code} while changing ${showTarget(before)} → ${showTarget(t)}`, rule: req.rule });
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
