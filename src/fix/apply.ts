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
import type { EntryType, Outcome, RefusalReason, Target } from '../types.js';
import { badName, DirChain, type DirNode, ENTRY_FLAGS, openEntry, ReachError, tooLong, typeOfMode } from './access.js';
import type { JournalWriter } from './journal.js';
import { atOrBelow, defaultBatchSize, emptySummary, showTarget } from './batch.js';
import { grants, judge, unreachableOutcome, type Seen, type Where } from './judge.js';
import { narrowing, type Perms, REFUSAL_TEXT, sameValues, writableByNonRoot } from './safety.js';
import { knownWritableByNonRoot } from '../io/trust.js';
import type { ChangeRequest, FixSink, FixSummary, JournalRecord } from './types.js';
import { errnoName, type FdStat, fstatOf, nativeFs, type NativeFs, statOf } from '../io/native.js';
import { errnoOf, fdPath } from '../io/fd.js';
import { aclMatters, aclWriteOf } from '../io/acl.js';

export interface ApplyOptions {
  rootDir: string;
  /** Check everything, report the plan, change nothing. */
  dryRun: boolean;
  /** Opened on first use (a run with nothing to change leaves no journal behind). */
  journal: () => JournalWriter;
  sink: FixSink;
  /** Requests verified and pinned before one journal fsync (default: defaultBatchSize()). */
  batchSize?: number;
  /** Milliseconds, for a batch's age (default: performance.now; tests pass their own clock). */
  clock?: () => number;
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
  /**
   * Native: post each directory's names to the helper thread as they come (pinOpen), rather than pin them when
   * the group is drained (pinBatch). Default true; the helpers fall back on their own where the helper thread
   * cannot take a group. Tests set it false to prove both ways judge alike.
   */
  pinAhead?: boolean;
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

/** The last directory's Where, with the directory and tree it was computed for. */
interface TreeInfo {
  dir: string;
  tree: string;
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
  private pendingDirs = new Set<string>();
  /**
   * Native: the journaled batch the helper thread is changing while the next one is pinned and judged
   * (changeStart), and its directories. Its outcomes are emitted, and its directories read again, when it is
   * waited for: before the next batch is started, before anything at or below one of its directories is
   * judged, and at the end.
   */
  private inflight: Pinned[] | null = null;
  /** The journal whose lines the batch in flight makes durable first. */
  private inflightJournal: JournalWriter | null = null;
  private inflightDirs = new Set<string>();
  /** When the first entry of the current batch was pinned (clock()). */
  private batchStarted = 0;
  private readonly clock: () => number;
  /** Native: whether the descriptor table was grown for the batches (reserveFds()). */
  private reserved = false;
  /**
   * The inode numbers of the batch in flight, and of every entry of the current batch. A path names an inode
   * only until its owner renames it: an entry, or a directory of the open chain, that is one of these inodes
   * under another name waits for its change too (numbers alone: another device's inode of the same number
   * costs a wait, nothing more).
   */
  private inflightInos = new Set<number>();
  private pendingInos = new Set<number>();
  /** How many batches were waited for (settleInflight): values read before a change may be stale after it. */
  private settled = 0;
  private lastParent = '';
  private readonly hardlinksProtected: boolean;
  private readonly native: NativeFs | null = nativeFs();
  /** Native: requests waiting to be pinned together, all in the directory `queueParent`, and their names in it. */
  private queue: ChangeRequest[] = [];
  private queueNames: string[] = [];
  /** Native: pinBatch()'s arrays, kept from one group to the next (grown when a group outgrows them). */
  private pinFds = new Int32Array(0);
  private pinNums = new Float64Array(0);
  private pinErrs = new Int32Array(0);
  /** Whether drain() is judging a group pinned into those arrays. */
  private pinning = false;
  /**
   * Native: the waiting group is posted ahead (pinOpen): the helper thread pins each of its names as it comes,
   * while the walk goes on, and drain() takes them (pinTake). `postedSettled`: how many batches had been waited
   * for when it was opened (the values it reads hold from then on, see drain()).
   */
  private posted = false;
  private postedSettled = 0;
  private queueParent = '';
  /** The depth of `queueParent` in the open chain, or -1 when it could not be reached. */
  private queueDepth = -1;

  constructor(private readonly o: ApplyOptions) {
    this.chain = new DirChain(o.rootDir);
    this.batchSize = batchSizeOf(o.batchSize);
    this.deferring = o.retryUnsafeParents === true;
    this.hardlinksProtected = o.hardlinksProtected ?? kernelProtectsHardlinks();
    this.clock = o.clock ?? (() => performance.now());
  }

  /**
   * Retry the requests held back for an unsafe parent, parents first, as long as each round makes
   * progress; what is still refused after that is reported. Every retry passes every check again.
   */
  settle(): void {
    this.drain();
    while (this.deferred.length > 0) {
      this.flush();
      this.settleInflight();
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
    // What waits to be pinned is judged first, so that refusals and entries left unchanged are reported in
    // the order of the requests. The outcomes of a batch's changes come when it has been made (after its
    // journal's fsync, and natively after the helper thread is done): later than entries judged meanwhile.
    this.drain();
    this.emit({ path, outcome: 'refused', before, after, reason, message: REFUSAL_TEXT[reason], rule });
  }

  /** Verify and pin one request; applies the batch when it is full or when the request is a directory. */
  submit(req: ChangeRequest): void {
    if (this.native === null) return this.accept(req, this.verify(req));
    const slash = req.path.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : req.path.slice(0, slash);
    // A batch that fills slowly (a few drifted entries in a spool of millions) is applied when it is some
    // milliseconds old rather than full: what it holds then dies young, where V8 collects it cheaply. Looked
    // at when a directory's group begins, not for every entry.
    if (parent !== this.queueParent && this.batch.length > 0 && this.clock() - this.batchStarted > BATCH_AGE_MS) this.flush();
    // Native: consecutive requests in one directory are pinned together (drain()). The group never
    // outgrows what the batch can still take, so no change is applied between its pinning and its judging.
    if (this.queue.length > 0 && (parent !== this.queueParent || this.queue.length + this.batch.length >= this.batchSize)) this.drain();
    const n = this.native;
    if (this.queue.length === 0) {
      // The directory is opened now, when its first entry comes, as verify() would: the entries are then
      // looked up in the directory the walk went through, whatever is renamed into its place meanwhile.
      this.queueParent = parent;
      this.queueDepth = this.enterParent(parent);
      // One left by a drain() that threw before taking it (the run stops then): ended first.
      this.dropPosted();
      // Posted ahead where the helper thread can take it: its opens are then off the walk's thread. The group
      // looks its names up in the directory opened here (a duplicate of it), as pinBatch would at drain().
      const room = Math.max(1, this.batchSize - this.batch.length);
      this.posted = this.queueDepth >= 0 && this.o.pinAhead !== false && n.pinOpen !== undefined && n.pinOpen(this.chain.fd(this.queueDepth), ENTRY_FLAGS, room);
      this.postedSettled = this.settled;
    }
    const name = req.path.slice(slash + 1);
    this.queue.push(req);
    this.queueNames.push(name);
    // Names drain() gives verify() are not posted (unusual(): see there). Pushed first: what is posted is never
    // more than what is queued, whatever a post throws.
    if (this.posted && !unusual(name)) {
      this.reserveFds(this.queue.length);
      (n.pinPost as (name: string) => void)(name);
    }
  }

  /** A verified request: planned (dry run) or added to the batch, which is applied when full. */
  private accept(req: ChangeRequest, pinned: Pinned | null): void {
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
    if (this.batch.length === 0) this.batchStarted = this.clock();
    this.batch.push(pinned);
    this.pendingInos.add(req.ino);
    if (req.type === 'dir') {
      this.pendingDirs.add(req.path);
      // where()'s cache was made before this directory was to change: it may be in the open chain under
      // another name (a bind mount below it), so the next where() looks at the chain again.
      this.info = null;
    }
    if (this.batch.length >= this.batchSize) this.flush();
  }

  /**
   * Native: pin the waiting group (one directory's entries, in order) with one pinBatch() call whose opens
   * two threads share, then judge each entry in order exactly as verify() does.
   */
  private drain(): void {
    if (this.queue.length === 0) return;
    const reqs = this.queue;
    const queued = this.queueNames;
    this.queue = [];
    this.queueNames = [];
    const n = this.native as NativeFs;
    const parent = this.queueParent;
    const depth = this.queueDepth;
    // Still set until takePosted(): if judging an unusual name below throws first, abandon() ends the group.
    const posted = this.posted;
    let names = queued;
    let pin = reqs;
    // An unreachable directory, or a name the walk cannot have produced: verify() reports each as it would. Each
    // name was cut after the last slash of its path (submit()), so only "", "." and ".." are left to look for, and a
    // name no lookup takes (tooLong(): pinBatch would refuse the whole group, and the run with it).
    if (depth < 0 || queued.some(unusual)) {
      names = [];
      pin = [];
      for (let i = 0; i < reqs.length; i++) {
        const req = reqs[i] as ChangeRequest;
        const name = queued[i] as string;
        if (depth < 0 || unusual(name)) this.accept(req, this.verify(req));
        else {
          names.push(name);
          pin.push(req);
        }
      }
    }
    if (pin.length === 0) {
      // Opened, nothing posted: the group is ended all the same.
      if (posted) this.takePosted(0, this.pinFds, this.pinNums, this.pinErrs);
      return;
    }
    const count = pin.length;
    if (!posted) this.reserveFds(count);
    // Judging an entry never drains again with a group waiting (the queue is empty until the next submit()): the
    // arrays are read below before another group is pinned. Were one pinned meanwhile, it would get arrays of its own.
    const nested = this.pinning;
    if (!nested && this.pinErrs.length < count) {
      const size = Math.max(count, 2 * this.pinErrs.length);
      this.pinFds = new Int32Array(size);
      this.pinNums = new Float64Array(size * 6);
      this.pinErrs = new Int32Array(size);
    }
    const fds = nested ? new Int32Array(count) : this.pinFds;
    const nums = nested ? new Float64Array(count * 6) : this.pinNums;
    const errs = nested ? new Int32Array(count) : this.pinErrs;
    if (posted) {
      this.takePosted(count, fds, nums, errs);
    } else {
      fds.fill(-1, 0, count);
      n.pinBatch(this.chain.fd(depth), names, ENTRY_FLAGS, fds, nums, errs);
    }
    this.pinning = true;
    // The values pinBatch read hold only until a batch is waited for: judging an entry can make the batch
    // in flight, or the current one, wait to be made (a second name of one of their inodes), and an entry
    // after it in this group may be another of their inodes (two renamed into this directory, a bind
    // mount of a directory whose entries are in the batch); it is then read again.
    const settled = posted ? this.postedSettled : this.settled;
    let i = 0;
    try {
      for (; i < count; i++) {
        const req = pin[i] as ChangeRequest;
        const err = errs[i] as number;
        if (err !== 0) {
          const code = errnoName(err);
          this.unreachable(req, new ReachError(code === 'ENOENT' ? 'vanished' : 'errno', code, req.path));
          continue;
        }
        const k = i * 6;
        const fd = fds[i] as number;
        let st: FdStat;
        if (this.settled === settled) {
          st = statOf(nums, k);
        } else {
          try {
            st = fstatOf(fd);
          } catch (e) {
            n.close(fd);
            throw e;
          }
        }
        this.accept(req, this.judged(req, fd, st, parent, depth));
      }
    } finally {
      this.pinning = nested;
      // Only after an exception: what was pinned and not judged yet.
      for (let k = i + 1; k < count; k++) if ((fds[k] as number) >= 0) n.close(fds[k] as number);
    }
  }

  /**
   * Native: the group posted ahead, its `count` names pinned into the arrays. A count that differs (only after a
   * post that threw, which stops the run) closes what was opened and is an error.
   */
  private takePosted(count: number, fds: Int32Array, nums: Float64Array, errs: Int32Array): void {
    const n = this.native as NativeFs;
    this.posted = false;
    const got = (n.pinTake as NonNullable<NativeFs['pinTake']>)(fds, nums, errs);
    if (got === count) return;
    for (let k = 0; k < got; k++) if ((fds[k] as number) >= 0) n.close(fds[k] as number);
    throw new Error(`${got} names pinned ahead where ${count} were posted`);
  }

  /**
   * Native: the group posted ahead ended without being judged (a run stopping): waited for, never left to the
   * helper thread, and what it opened closed. A group never outgrows the batch (see submit()): arrays of its
   * size hold it.
   */
  private dropPosted(): void {
    if (!this.posted) return;
    this.posted = false;
    const k = Math.max(1, this.batchSize);
    const fds = new Int32Array(k);
    const got = (this.native as NativeFs).pinTake?.(fds, new Float64Array(k * 6), new Int32Array(k)) ?? 0;
    for (let i = 0; i < got; i++) if ((fds[i] as number) >= 0) fs.closeSync(fds[i] as number);
  }

  /**
   * Native: before the pinned descriptors outgrow the table a process starts with (64), grow it once to
   * what a batch and the one being changed can hold, instead of letting the kernel double it seven times,
   * each waiting for an RCU grace period (about 0.05 s in all on a 100,000-entry fix).
   */
  private reserveFds(adding: number): void {
    if (this.reserved || this.batch.length + adding + (this.inflight?.length ?? 0) < 32) return;
    this.reserved = true;
    try {
      (this.native as NativeFs).reserveFds(fdsFor(this.batchSize));
    } catch {
      // Beyond the descriptor limit (batchSize follows it): the table then grows as it always did.
    }
  }

  /** Open the chain to `dir`, applying first what is pending above it (as verify() does); -1 if unreachable. */
  private enterParent(dir: string): number {
    if (dir !== this.lastParent) {
      this.applyAbove(dir);
      this.lastParent = dir;
    }
    try {
      return this.chain.enter(dir);
    } catch (e) {
      if (e instanceof ReachError || typeof (e as { code?: unknown } | null)?.code === 'string') return -1;
      throw e;
    }
  }

  /**
   * Judge `dir`'s entries against it as the fix leaves it: what is pending or being changed at or above it
   * is applied, and waited for, first.
   */
  private applyAbove(dir: string): void {
    if (atOrBelow(dir, this.pendingDirs)) this.flush();
    if (atOrBelow(dir, this.inflightDirs)) this.settleInflight();
  }

  /** Journal and apply whatever is pinned (natively: start applying it; see `inflight`). */
  flush(): void {
    this.drain();
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
        p.fd = -1;
        this.refuse(p.req, p.before, 'journal-budget');
      }
    }
    // Natively the helper thread makes the lines durable (fdatasync) before the batch's first change, and the
    // next batch is pinned meanwhile; on the pure-JS path append() syncs them.
    const n = this.native;
    journal.append(records, { sync: n === null || n.SYNCS_JOURNAL !== true });
    this.o.beforeApply?.();
    // From here each descriptor is closed by the change step itself, whatever happens to it.
    this.batch.length = 0;
    const inos = this.pendingInos;
    this.pendingInos = new Set();
    if (n !== null) {
      try {
        this.settleInflight();
      } catch (e) {
        // Journaled, never started: closed here (neither in the batch nor in flight any more).
        for (const p of kept) fs.closeSync(p.fd);
        throw e;
      }
      this.startChange(n, kept, journal);
      if (this.inflight !== null) {
        // The batch's inodes (those the journal refused too: for them, a wait at most) and directories.
        this.inflightInos = inos;
        for (const d of this.pendingDirs) this.inflightDirs.add(d);
      }
    } else {
      // Each journaled change is made, and its descriptor closed, whatever the report of an earlier one threw.
      this.reportAll(kept.length, (i) => this.change(kept[i] as Pinned));
    }
    this.pendingDirs = new Set();
  }

  /** Apply what is pending and close every descriptor. */
  close(): void {
    this.flush();
    this.settleInflight();
    this.abandon();
  }

  /**
   * Close every descriptor without applying what is pinned (after an error). Safe to call twice. A batch
   * already being changed was journaled: it is waited for (it closes its own descriptors) and reported.
   */
  abandon(): void {
    try {
      this.settleInflight();
    } finally {
      // Whatever reporting it did threw (a sink writing to a closed pipe): the descriptors are closed all the same.
      this.dropPosted();
      this.queue = [];
      this.queueNames = [];
      for (const p of this.batch) if (p.fd >= 0) fs.closeSync(p.fd);
      this.batch.length = 0;
      if (!this.closed) this.chain.close();
      this.closed = true;
    }
  }

  private verify(req: ChangeRequest): Pinned | null {
    const slash = req.path.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : req.path.slice(0, slash);
    const name = req.path.slice(slash + 1);
    if (badName(name)) return this.refuse(req, null, 'changed-during-fix');
    if (parent !== this.lastParent) {
      this.applyAbove(parent);
      this.lastParent = parent;
    }
    let depth: number;
    let fd: number;
    try {
      depth = this.chain.enter(parent);
      // What the kernel says of it, on both paths (the native helpers refuse it with a TypeError instead).
      if (tooLong(name)) throw new ReachError('errno', 'ENAMETOOLONG', req.path);
      fd = openEntry(this.chain.fd(depth), name);
    } catch (e) {
      if (e instanceof ReachError) return this.unreachable(req, e);
      const code = errnoOf(e);
      if (code === undefined) throw e; // a bug, not the disk
      return this.unreachable(req, new ReachError(code === 'ENOENT' ? 'vanished' : 'errno', code, req.path));
    }
    let st: FdStat;
    try {
      st = fstatOf(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return this.judged(req, fd, st, parent, depth);
  }

  /** Judge a pinned entry; returns it to change, or null after closing it and reporting why not. */
  private judged(req: ChangeRequest, fd: number, st: FdStat, parent: string, depth: number): Pinned | null {
    let where: Where;
    try {
      // The same inode in the current batch or the one in flight, under another name (its owner renamed it
      // since it was pinned): that change is made first, and this name judged (and journaled) as it leaves
      // it, never from the values before it.
      const pending = this.pendingInos.has(st.ino);
      if (pending || this.inflightInos.has(st.ino)) {
        if (pending) this.flush();
        this.settleInflight();
        st = fstatOf(fd);
      }
      where = this.where(parent, req.tree, depth);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    // Dry run: a directory planned under another name (a bind mount) is judged as the real run judges it,
    // after that change, as the plan leaves it (the real run waits for the change and reads it again).
    const now: Target = (this.planned.size > 0 ? this.planned.get(`${st.dev}:${st.ino}`) : undefined) ?? permsOf(st);
    const seen: Seen = { dev: st.dev, ino: st.ino, type: typeOfMode(st.mode), nlink: st.nlink, now };
    // Root's group with group write, now or as the change leaves it: who may write depends on the ACL too, where
    // that can decide (a getxattr each: not for a spool entry that root's group could write and ecuser gets).
    if (aclDecides(now, req.target, seen.type, req.expect)) seen.acl = aclWriteOf(fd);
    const j = judge(req, seen, where, showTarget);
    if (j.kind === 'go') return { req, fd, before: now };
    fs.closeSync(fd);
    if (j.kind === 'unchanged') {
      this.emit({ path: req.path, outcome: 'unchanged', before: now, after: req.target, message: 'already as wanted', rule: req.rule });
    } else if (j.kind === 'parent' && this.deferring) {
      this.deferred.push(req);
    } else {
      this.refuse(req, now, j.kind === 'parent' ? 'unsafe-parent' : j.reason, j.message);
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
    // Two comparisons, not a key string made per entry: consecutive entries share both strings.
    if (this.info !== null && this.info.dir === dir && this.info.tree === tree) return this.info.where;
    // A directory of the chain whose change is pending or in flight under another name (renamed since it
    // was pinned): applied and waited for first, its values read again (changed() refreshes the chain).
    if (this.pendingInos.size > 0 || this.inflightInos.size > 0) {
      let pending = false;
      let inflight = false;
      for (let i = 0; i <= depth; i++) {
        const ino = this.chain.node(i).ino;
        if (this.pendingInos.has(ino)) pending = true;
        if (this.inflightInos.has(ino)) inflight = true;
      }
      if (pending) this.flush();
      if (pending || inflight) this.settleInflight();
    }
    const treeDepth = tree === '/' ? 0 : tree.split('/').length - 1;
    const where: Where = { treeDev: -1, crosses: false, userWritable: false, knownUserWritable: false, parent: this.node(depth), hardlinksProtected: this.hardlinksProtected };
    // Every directory on the way counts, those above the tree root too (the root directory excepted: the
    // administrator named it): whoever can write one can replace everything below it.
    for (let i = 1; i <= depth; i++) {
      const n = this.node(i);
      if (writableByNonRoot(n)) where.userWritable = true;
      if (knownWritableByNonRoot(n)) where.knownUserWritable = true;
    }
    if (depth >= treeDepth) {
      where.treeDev = this.chain.node(treeDepth).dev;
      for (let i = treeDepth; i <= depth; i++) if (this.node(i).dev !== where.treeDev) where.crosses = true;
    }
    this.info = { dir, tree, where };
    return where;
  }

  /** An open directory's values; in a dry run, as the planned change of that directory would leave them. */
  private node(depth: number): DirNode {
    const n = this.chain.node(depth);
    if (this.planned.size === 0) return n;
    const t = this.planned.get(`${n.dev}:${n.ino}`);
    if (t === undefined) return n;
    const p: DirNode = { dev: n.dev, ino: n.ino, uid: t.uid, gid: t.gid, mode: t.mode };
    // A chmod keeps the ACL's named entries: as the plan leaves it, who may write depends on them too.
    if (aclMatters(p)) p.acl = n.acl ?? aclWriteOf(this.chain.fd(depth));
    return p;
  }

  /** chown only when the ids differ (it clears setuid/setgid and capabilities), chmod after, read back. */
  private change(p: Pinned): void {
    const { req, fd } = p;
    const t = req.target;
    let got: Perms | null = null;
    let failed: string | null = null;
    let now: Perms | null = null;
    let bug: { e: unknown } | null = null;
    try {
      const { chown, chmod, narrow } = steps(p);
      // Through /proc/self/fd/N: the pinned inode itself (a link is changed, never followed).
      if (narrow !== null) fs.chmodSync(fdPath(fd), narrow);
      if (chown) fs.chownSync(fdPath(fd), t.uid, t.gid);
      if (chmod) fs.chmodSync(fdPath(fd), t.mode);
      got = permsOf(fstatOf(fd));
    } catch (e) {
      const code = errnoOf(e);
      // What the system refused is a failure of this entry; anything else (Node's ERR_* argument checks, an error
      // without a code) is a bug: reported as this entry's failure (a first step may have been made), then thrown.
      failed = code ?? 'ERR_UNKNOWN';
      if (code === undefined || !ERRNO_NAME.test(code)) bug = { e };
      try {
        now = permsOf(fstatOf(fd));
      } catch {
        // Not read back: the failure is reported without what the entry is left with.
      }
    } finally {
      fs.closeSync(fd);
    }
    // Reported after the calls, not inside their try: a report that throws (a closed pipe) is not a change that failed.
    if (failed === null) return this.changed(p, got as Perms);
    if (bug === null) return this.changeFailed(p, failed, now);
    try {
      this.changeFailed(p, failed, now);
    } catch {
      // the report failed too: the bug is the error to throw
    }
    if (typeof bug.e === 'object' && bug.e !== null) BUGS.add(bug.e);
    throw bug.e;
  }

  /**
   * Report each change of a batch made: every one is counted, and a directory's read again in the chain, even
   * when the sink throws for an earlier one (a report written to a closed pipe); its first error is thrown after.
   */
  private reportAll(count: number, one: (i: number) => void): void {
    let thrown: { e: unknown } | null = null;
    for (let i = 0; i < count; i++) {
      try {
        one(i);
      } catch (e) {
        // The first error, but a bug (see change()) over a report's error: it is what must be looked at.
        if (thrown === null || (isBug(e) && !isBug(thrown.e))) thrown = { e };
      }
    }
    if (thrown !== null) throw thrown.e;
  }

  /**
   * The native path of change() for a whole journaled batch: the same steps on the same pinned descriptors,
   * made by the helper thread while the caller pins and judges what comes next (see `inflight`).
   */
  private startChange(n: NativeFs, kept: Pinned[], journal: JournalWriter): void {
    const count = kept.length;
    if (count === 0) return;
    const fds = new Int32Array(count);
    const spec = new Float64Array(count * 4);
    for (let i = 0; i < count; i++) {
      const p = kept[i] as Pinned;
      const { chown, chmod, narrow } = steps(p);
      fds[i] = p.fd;
      spec[i * 4] = p.req.target.uid;
      spec[i * 4 + 1] = p.req.target.gid;
      spec[i * 4 + 2] = p.req.target.mode;
      spec[i * 4 + 3] = (chown ? 1 : 0) | (chmod ? 2 : 0) | (narrow === null ? 0 : 4 + narrow * 8);
    }
    try {
      // The journal's descriptor, for the helper to sync first: -1 would mean no sync, and a journal that
      // is closed cannot have been appended to; refused all the same.
      const jfd = n.SYNCS_JOURNAL === true ? journal.descriptor : -1;
      if (n.SYNCS_JOURNAL === true && jfd < 0) throw journal.syncFailed('EBADF');
      // A journal just created (journalOpener): the batch makes it and its name durable first, and removes the old.
      const c = journal.creation;
      if (c === null) n.changeStart(fds, spec, count, jfd);
      else {
        n.changeStart(fds, spec, count, jfd, c.dirFd, c.prune);
        journal.creationTaken();
      }
    } catch (e) {
      // Refused before any change (a malformed argument, or a new journal it had to sync itself and could not):
      // nothing was closed either.
      for (const p of kept) fs.closeSync(p.fd);
      const x = e as { code?: unknown; syscall?: unknown } | null;
      if (x?.syscall === 'fsync' && typeof x.code === 'string') {
        // Not tried again at close: a sync that failed once is not trusted, and the old journals stay.
        journal.creationTaken();
        throw journal.syncFailed(x.code);
      }
      throw e;
    }
    this.inflight = kept;
    this.inflightJournal = journal;
  }

  /** Wait for the batch being changed, if any, and report its outcomes in order. */
  private settleInflight(): void {
    const kept = this.inflight;
    if (kept === null) return;
    this.inflight = null;
    this.settled++;
    this.inflightDirs = new Set();
    this.inflightInos = new Set();
    const count = kept.length;
    const out = new Float64Array(count * 6);
    const errs = new Int32Array(count);
    try {
      (this.native as NativeFs).changeWait(out, errs);
    } catch (e) {
      // The journal's lines could not be made durable: none of the batch was changed, and the run stops as when
      // a journal cannot be written (MP305).
      const x = e as { code?: unknown; syscall?: unknown } | null;
      if ((x?.syscall === 'fdatasync' || x?.syscall === 'fsync') && typeof x.code === 'string' && this.inflightJournal !== null) throw this.inflightJournal.syncFailed(x.code);
      throw e;
    }
    this.reportAll(count, (i) => {
      const p = kept[i] as Pinned;
      const err = errs[i] as number;
      const k = i * 6;
      const got: Perms = { uid: (out[k + 1] as number) >>> 0, gid: (out[k + 2] as number) >>> 0, mode: (out[k] as number) & 0o7777 };
      // A failure's read-back too (zeros: none; a real mode always has its type bits).
      if (err !== 0) this.changeFailed(p, errnoName(err), out[k] === 0 ? null : got);
      else this.changed(p, got);
    });
  }

  /** Report what the read-back shows; a changed directory is read again in the open chain. */
  private changed(p: Pinned, got: Perms): void {
    const { req, before } = p;
    const t = req.target;
    // Read again before the outcome is reported, which may throw.
    if (req.type === 'dir') {
      this.chain.refresh(req.dev, req.ino);
      this.info = null;
    }
    if (sameValues(got, t, req.type)) {
      this.emit({ path: req.path, outcome: 'fixed', before, after: t, message: 'fixed', rule: req.rule });
    } else {
      this.emit({ path: req.path, outcome: 'failed', before, after: t, errno: 'EIO', message: `read back ${showTarget(got)}, not ${showTarget(t)}`, rule: req.rule });
    }
  }

  /** `now`: what the entry is left with, read back after the failure (null: not read). */
  private changeFailed(p: Pinned, code: string, now: Perms | null): void {
    const { req, before } = p;
    const t = req.target;
    // What the entry is now, when it is no longer as it was pinned: a step made before the one that failed
    // (bits taken away before a chown the disk's quota refused) leaves it neither as it was nor as wanted,
    // and `undo` puts it back.
    const left = now !== null && !sameValues(now, before, req.type) ? `; now ${showTarget(now)}` : '';
    // A step may have been made before the one that failed (the chown, then not the chmod): the entries
    // below a directory are judged against what it is now, not what it was (read again before the report).
    if (req.type === 'dir') {
      this.chain.refresh(req.dev, req.ino);
      this.info = null;
    }
    this.emit({ path: req.path, outcome: 'failed', before, after: t, errno: code, message: `${code} while changing ${showTarget(before)} → ${showTarget(t)}${left}`, rule: req.rule });
  }

  private emit(o: Outcome): void {
    this.summary[o.outcome]++;
    this.o.sink.outcome?.(o);
  }
}

/**
 * The calls a change needs: chown only when the ids differ (it clears setuid/setgid and capabilities);
 * chmod when the mode differs, after a chown when the target has setid bits (the chown cleared them), and
 * after every chown away from an owner other than root. The entry is judged when it is pinned and changed when
 * its batch is applied (in a sparse tree, seconds later): until the chown, such an owner may still change its
 * mode bits, a directory's setgid bit (a chown keeps it on a directory), or an ACL (whose mask the group bits
 * show: `user:ecuser:rwx` turns 0755 into 0775), and a chown alone would hand the new owner an entry with the
 * old owner's choices. Once the chown is made an old owner who is not the new one can change nothing, and the
 * chmod after it makes the mode, and the ACL mask with it, the target's. Only root can change a root-owned
 * entry: none is needed there (the spool re-owned from root after an upgrade, a chown each).
 * Never chmod a link (Linux has no lchmod; through /proc it would fail or hit the target).
 * `narrow`: with both, a chmod first that only takes bits away (see narrowing()).
 */
function steps(p: Pinned): { chown: boolean; chmod: boolean; narrow: number | null } {
  const t = p.req.target;
  const chown = p.before.uid !== t.uid || p.before.gid !== t.gid;
  const chmod = p.req.type !== 'symlink' && (p.before.mode !== t.mode || (chown && (p.before.uid !== 0 || (t.mode & 0o7000) !== 0)));
  return { chown, chmod, narrow: narrowing(p.before, t, p.req.type, chmod) };
}

/**
 * How old a batch may grow before it is applied, full or not. Scavenges came every 30–40 ms in a fix of a
 * million entries: a batch applied within one keeps its entries out of the old generation.
 */
export const BATCH_AGE_MS = 25;

/** badName() of a name that holds no slash, or a name no lookup takes (see drain()). */
function unusual(name: string): boolean {
  return name === '' || name === '.' || name === '..' || tooLong(name);
}

/** The batch size an Applier uses: at most what changeStart takes (a larger batch would be journaled, then refused). */
function batchSizeOf(asked: number | undefined): number {
  return Math.min(asked ?? defaultBatchSize(), 1 << 16);
}

/** The descriptor table the batches need: one batch pinned while another is changed, and room for the rest. */
function fdsFor(batchSize: number): number {
  return 2 * batchSize + 256;
}

/**
 * Natively, for a run that is to change things: start growing the descriptor table for the batches now,
 * on a thread of its own (see reserveFds). The growth waits for an RCU grace period, 5 to 20 ms here; begun
 * before the configuration is read, it is over before the first batch needs it, where the Applier's own
 * call would wait for it on the walk's thread. A run with nothing to change has only grown a table.
 */
export function reserveFdsSoon(batchSize?: number): void {
  try {
    nativeFs()?.reserveFds(fdsFor(batchSizeOf(batchSize)), true);
  } catch {
    // Beyond the descriptor limit: the Applier's own call finds it so, and the table grows as it always did.
  }
}

/**
 * Whether the entry's access ACL can change judge()'s answer: for a setid grant (for undo, judged from the fix's
 * end too: see grants()), when the entry now or as the change leaves it is in root's group with group write (who
 * else may write it); for the laundering check, when it is so now and the change makes it root's alone by its
 * mode. Otherwise its ACL is not read.
 */
export function aclDecides(now: Target, target: Target, type: EntryType, expect: Target | null = null): boolean {
  if (type === 'symlink') return false;
  if (grants(now, target, type, expect) && (aclMatters(now) || aclMatters(target))) return true;
  return type !== 'dir' && aclMatters(now) && !writableByNonRoot(now) && !writableByNonRoot(target);
}

/** Errors change() found to be bugs, not the disk's refusals (see reportAll). */
const BUGS = new WeakSet<object>();

function isBug(e: unknown): boolean {
  return typeof e === 'object' && e !== null && BUGS.has(e);
}

/** An errno name (EDQUOT, EPERM), as the system's refusals are named; Node's own errors are `ERR_*`. */
const ERRNO_NAME = /^E[A-Z0-9]+$/;

/** The owner, group and permission bits of what fstat says. */
function permsOf(st: FdStat): Perms {
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
}

