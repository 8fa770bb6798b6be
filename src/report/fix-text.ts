/**
 * The text report of a fix or undo, in the audit's manner: outcomes grouped (fixed by rule, refused by
 * reason, failed by errno, findings fix does not correct by check and rule), a count and the first few
 * paths of each group, then one summary line. Memory: one small record per group. A dry run prints the
 * plan itself, every line of it, as it is made.
 */
import type { ChalkInstance } from 'chalk';
import type { Finding, Outcome } from '../types.js';
import { showTarget } from '../types.js';
import { shellWord } from '../printable.js';
import { REFUSAL_TEXT } from '../types.js';
import type { FixResult } from '../fix/run.js';
import { changedSomething } from '../fix/types.js';
import type { FixSink, PlannedChange } from '../fix/types.js';
import { capitalized, fmt, join, line, paint, plural, SAMPLES, text, trimEnd, type Shown } from './line.js';

export interface FixReportOptions {
  write(text: string): void;
  color: ChalkInstance;
  command: 'fix' | 'undo';
  dryRun: boolean;
  /** Print nothing when there was nothing to do. */
  quiet: boolean;
  /** Options that make a follow-up command look at the same install (`--root DIR`, …). */
  rerun: readonly string[];
  /** `fix --only` selections, repeated in the suggested real run after a dry run. */
  only?: readonly string[];
  /** Account names for ids (the root's passwd and group databases): plans read `ecuser:ecuser (500:500)`. */
  names?: IdNames;
  /** The `--root` directory (`/` without it), named by the JSON report. */
  root: string;
}

export interface IdNames {
  user(id: number): string | undefined;
  group(id: number): string | undefined;
}

/** `ecuser:ecuser (500:500) 0640`, or `500:500 0640` when neither id has a name. */
export function showNamed(t: { uid: number; gid: number; mode: number }, names: IdNames | undefined): Shown {
  const u = names?.user(t.uid);
  const g = names?.group(t.gid);
  if (u === undefined && g === undefined) return line`${showTarget(t)}`;
  return line`${u ?? String(t.uid)}:${g ?? String(t.gid)} (${t.uid}:${t.gid}) ${showTarget(t).split(' ')[1]}`;
}

/** A run as its report ends it: `stopped`, an error stopped it (printed after the report), which says what it did until then. */
export type EndedRun = FixResult & { undone?: string; stopped?: boolean };

/** A report being built: feed it through `sink`, then `end` prints it. */
export interface FixReporter {
  sink: FixSink & { reported: (f: Finding) => void };
  end(result: EndedRun): void;
}

interface Group {
  head: Shown;
  note: Shown | null;
  count: number;
  samples: Shown[];
}

/** One line of a plan or of a sample: `path  root:root (0:0) 0644 → ecuser:ecuser (500:500) 0640`. */
export function planLine(p: PlannedChange, names?: IdNames): Shown {
  return line`${p.path}  ${showNamed(p.before, names)} → ${showNamed(p.after, names)}`;
}

export function fixTextReporter(o: FixReportOptions): FixReporter {
  const c = paint(o.color);
  const groups = new Map<string, Group>();
  let planned = 0;
  // `sample` is only called for the first few entries of a group: millions of fixed files cost a count each.
  const add = (key: string, head: () => Shown, note: Shown | null, sample: () => Shown): void => {
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { head: head(), note, count: 0, samples: [] }));
    g.count++;
    if (g.samples.length < SAMPLES) g.samples.push(sample());
  };
  // The group of the last fixed entry: a run of entries fixed by one rule costs a count each, no key made.
  let fixedRule: string | null | undefined;
  let fixedGroup: Group | undefined;
  const outcome = (x: Outcome): void => {
    if (x.outcome === 'fixed') {
      if (fixedGroup !== undefined && x.rule === fixedRule && fixedGroup.samples.length >= SAMPLES) {
        fixedGroup.count++;
        return;
      }
      const head = (): Shown => line`${c.green(o.command === 'undo' ? 'restored' : 'fixed')}${x.rule === null ? '' : line`  ${c.dim(x.rule)}`}`;
      const key = `1${x.rule}`;
      add(key, head, null, () => (x.before && x.after ? planLine({ path: x.path, before: x.before, after: x.after, rule: x.rule }, o.names) : line`${x.path}`));
      fixedRule = x.rule;
      fixedGroup = groups.get(key);
    } else if (x.outcome === 'refused' && x.reason !== undefined) {
      const general = REFUSAL_TEXT[x.reason];
      const detail = x.message === general ? '' : line`  (${x.message})`;
      const was = `${x.before ? showTarget(x.before) : '?'}, wanted ${x.after ? showTarget(x.after) : '?'}`;
      add(`2${x.reason}`, () => line`${c.yellow('refused')}  ${x.reason}`, line`${general}`, () => line`${x.path}  ${was}${detail}`);
    } else if (x.outcome === 'failed') {
      add(`3${x.errno}`, () => line`${c.red('failed')}  ${x.errno}`, null, () => line`${x.path}  ${x.message}`);
    }
  };
  return {
    sink: {
      outcome,
      planned: (p) => {
        if (planned++ === 0) o.write(text([line`${c.bold('Plan')} (dry run: nothing is changed)`]));
        o.write(text([line`  ${planLine(p, o.names)}  ${c.dim(p.rule ?? '')}`]));
      },
      reported: (f) =>
        add(`4${f.check}\0${f.rule}`, () => line`${c.yellow('not fixed')}  ${f.check}  ${c.dim(f.rule ?? 'walk')}`, line`${f.message}`, () => trimEnd(line`${f.path}  ${f.actual}`)),
    },
    end(r) {
      const s = r.summary;
      const busy = s.fixed + s.refused + s.failed + s.planned + r.reported > 0;
      if (o.quiet && !busy) return;
      const out: Shown[] = planned > 0 ? [line``] : [];
      // By kind (fixed, refused, failed, not fixed); within a kind, in the order first met (walk order).
      for (const [, g] of [...groups].sort(([a], [b]) => a.charCodeAt(0) - b.charCodeAt(0))) {
        out.push(line`${c.bold(g.head)}  ${c.bold(plural(g.count, 'entry', 'entries'))}`);
        if (g.note !== null) out.push(line`  ${g.note}`);
        for (const p of g.samples) out.push(line`    ${p}`);
        if (g.count > g.samples.length) out.push(c.dim(line`    … and ${fmt(g.count - g.samples.length)} more`));
        out.push(line``);
      }
      out.push(summaryLine(r, o));
      if (r.journal !== null) out.push(line`Journal: ${r.journal}`);
      const next = nextStep(r, o);
      if (next !== null) out.push(line`Next: ${c.cyan(next[0])}   ${c.dim(`# ${next[1]}`)}`);
      o.write(text(out));
    },
  };
}

function summaryLine(r: EndedRun, o: FixReportOptions): Shown {
  const s = r.summary;
  const c = paint(o.color);
  const parts: Shown[] = [];
  if (s.planned > 0) parts.push(line`${plural(s.planned, 'change')} planned`);
  if (s.fixed > 0) parts.push(line`${o.command === 'undo' ? 'restored' : 'fixed'} ${plural(s.fixed, 'entry', 'entries')}`);
  if (s.refused > 0) parts.push(line`${fmt(s.refused)} refused`);
  if (s.failed > 0) parts.push(c.red(`${fmt(s.failed)} failed`));
  const acted = parts.length > 0;
  if (s.unchanged > 0) parts.push(line`${fmt(s.unchanged)} unchanged`);
  if (r.reported > 0) parts.push(line`${plural(r.reported, 'finding')} fix does not correct`);
  if (r.errors > 0) parts.push(c.red(`${fmt(r.errors)} could not be examined`));
  const tail = parts.length > 0 ? line` (${join(parts, ', ')})` : '';
  if (r.stopped === true) {
    const stop = c.red('Stopped by the error below');
    return changedSomething(r) ? line`${stop}, having ${join(parts, ', ')}.` : line`${stop}, before anything was changed${tail}.`;
  }
  if (!acted) {
    const nothing = o.command === 'undo' ? 'Nothing to restore' : 'Nothing to fix: every owner, group and mode already matches the rules';
    return line`${c.green(nothing)}${tail}.`;
  }
  return line`${c.bold(capitalized(join(parts, ', ')))}${o.dryRun ? ' (dry run: nothing changed)' : ''}.`;
}

function nextStep(r: EndedRun, o: FixReportOptions): [string, string] | null {
  const cmd = (...w: string[]): string => ['momentum-perms', ...w, ...o.rerun.map(shellWord)].join(' ');
  // The real run must make the same selection as the dry run it follows.
  if (o.dryRun && r.summary.planned > 0) return [cmd('fix', ...(o.only ?? []).flatMap((x) => ['--only', shellWord(x)])), 'make these changes (journaled, undoable)'];
  // A run stopped before it changed anything (a change that failed may have made a first step) has nothing to put back.
  const changed = r.stopped !== true || changedSomething(r);
  if (r.journal !== null && o.command === 'fix' && changed) {
    // undo takes --root but not the rules options.
    const i = o.rerun.indexOf('--root');
    const root = i >= 0 ? ['--root', shellWord(o.rerun[i + 1] ?? '/')] : [];
    return [['momentum-perms', 'undo', shellWord(r.journal), ...root].join(' '), 'put back what this run changed'];
  }
  if (r.summary.refused > 0) return [cmd('audit'), 'look at what is left; refused entries need a person'];
  return null;
}
