/**
 * The text report: findings grouped by rule and check, with a count and the first few paths of each group,
 * so that two million drifted spool files read as one group, not two million lines. Memory: one small record
 * per group, however many findings.
 */
import type { AuditResult } from '../audit/types.js';
import { CHECKS, type Check } from '../types.js';
import { nextCommand } from './next.js';
import { esc, fmt, line, paint, plural, SAMPLES, text, trimEnd, type Shown } from './line.js';
import type { ReportContext, ReportHeader, Reporter } from './types.js';

interface Group {
  rule: string | null;
  check: Check;
  count: number;
  expected: string | null;
  message: string;
  samples: { path: string; actual: string | null }[];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** Order: rules by file then line, built-in checks after, errors last. */
function ruleKey(rule: string | null): [number, string, number] {
  if (rule === null) return [2, '', 0];
  if (rule.startsWith('builtin:')) return [1, rule, 0];
  const m = /^(.*):(\d+)$/.exec(rule);
  return m ? [0, m[1] ?? rule, Number(m[2])] : [0, rule, 0];
}

function compareGroups(a: Group, b: Group): number {
  const [ka, fa, la] = ruleKey(a.rule);
  const [kb, fb, lb] = ruleKey(b.rule);
  if (ka !== kb) return ka - kb;
  if (fa !== fb) return fa < fb ? -1 : 1;
  if (la !== lb) return la - lb;
  return CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check);
}

export function textReporter(ctx: ReportContext): Reporter {
  const c = paint(ctx.color);
  const groups = new Map<string, Group>();
  const byCheck = new Map<Check, number>();
  let header: ReportHeader | undefined;
  let firstPath: string | undefined;
  let last: Group | undefined;

  const renderGroup = (g: Group): Shown[] => {
    const expected = g.expected !== null ? line` — expected ${g.expected}` : '';
    // A rule's reason says why for the whole group; without one (built-in checks) the first message does.
    const why = (g.rule !== null ? header?.reasonOf?.(g.rule) : undefined) ?? g.message;
    const lines = [
      line`${c.bold(g.check === 'error' ? c.red(g.check) : c.yellow(g.check))}  ${c.dim(g.rule ?? 'walk')}  ${c.bold(plural(g.count, 'entry', 'entries'))}${expected}`,
      line`  ${c.dim(why)}`,
    ];
    const width = Math.min(64, Math.max(...g.samples.map((s) => s.path.length)));
    for (const s of g.samples) lines.push(trimEnd(line`    ${s.path.padEnd(width)}  ${s.actual}`));
    if (g.count > g.samples.length) lines.push(c.dim(line`    … and ${fmt(g.count - g.samples.length)} more`));
    return lines;
  };

  const summaryLine = (r: AuditResult): Shown => {
    const s = r.summary;
    const parts = CHECKS.filter((k) => byCheck.has(k)).map((k) => `${fmt(byCheck.get(k) ?? 0)} ${k}`);
    const head = s.findings === 0 ? c.green('No drift') : c.bold(`${plural(s.findings, 'finding')} (${parts.join(', ')})`);
    const errors = s.errors > 0 ? line`; ${c.red(`${fmt(s.errors)} could not be examined`)}` : '';
    const vanished = s.vanished > 0 ? line`; ${fmt(s.vanished)} vanished during the walk (normal on a live spool)` : '';
    return line`${head}: ${plural(s.examined, 'entry', 'entries')} examined in ${seconds(r.durationMs)}${errors}${vanished}.`;
  };

  return {
    start(h) {
      header = h;
    },
    finding(f) {
      byCheck.set(f.check, (byCheck.get(f.check) ?? 0) + 1);
      if (firstPath === undefined && f.check !== 'error') firstPath = f.path;
      // Findings of one group come in runs (a spool directory of drifted files): no key for those.
      let g = last;
      if (g === undefined || g.rule !== f.rule || g.check !== f.check) {
        const key = `${f.check}\u0000${f.rule ?? ''}`;
        g = groups.get(key);
        if (g === undefined) {
          g = { rule: f.rule, check: f.check, count: 0, expected: f.expected, message: f.message, samples: [] };
          groups.set(key, g);
        }
        last = g;
      }
      g.count++;
      // A file name holding a newline or an escape sequence must not forge report lines or drive the terminal.
      if (g.samples.length < SAMPLES) g.samples.push({ path: esc(f.path).text, actual: f.actual });
    },
    end(r) {
      if (ctx.quiet && r.summary.findings === 0) return;
      const out: Shown[] = [];
      const h = header;
      if (h) {
        const where = h.root === '/' ? '' : line` under ${h.root}`;
        out.push(c.dim(line`${h.configFile}${where}: user ${h.user.name} (${h.user.id}), group ${h.group.name} (${h.group.id})`), line``);
      }
      for (const g of [...groups.values()].sort(compareGroups)) out.push(...renderGroup(g), line``);
      const extra = ctx.epilogue?.() ?? [];
      if (extra.length > 0) out.push(...extra.map((l) => line`${l}`), line``);
      out.push(summaryLine(r));
      const next = nextCommand(r.summary, byCheck, firstPath, ctx.rerun, ctx.since);
      out.push(line`Next: ${c.cyan(next.command)}   ${c.dim(`# ${next.why}`)}`);
      ctx.sink.write(text(out));
    },
  };
}
