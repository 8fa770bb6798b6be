/**
 * Text and JSON views of bound rules (`momentum-perms rules`) and of an explanation (`explain`). Pure:
 * strings and plain objects out, the commands print them.
 */
import type { ChalkInstance } from 'chalk';
import { boundSettings, writtenSettings } from '../rules/describe.js';
import type { Explanation } from '../rules/explain.js';
import type { BoundRules, Rule } from '../rules/types.js';
import { printable as p } from '../printable.js';

// Text views print paths, names and values that come from the configuration (which the service account
// edits) and from the disk: each goes through printable(), so that a newline or an escape sequence in a
// `TLS_Key` or an include name can neither forge lines nor drive the terminal (erase a warning above it).

function sourceOf(cp: { option: string; source: string }): string {
  return p(`${cp.option}, ${cp.source === 'default' ? 'default' : cp.source}`);
}

/** The effective rules as JSON: every layer, tree, rule with its expansions, required and outside path. */
export function rulesJson(b: BoundRules): unknown {
  return {
    version: b.rules.version,
    user: b.user,
    group: b.group,
    files: b.rules.files,
    trees: b.rules.trees.map((t) => ({ ...t, walked: b.trees.some((w) => w.path === t.path && w.id === t.id) })),
    rules: b.rules.rules.map((r) => {
      const mine = b.bound.filter((x) => x.rule === r);
      return {
        id: r.id,
        origin: r.origin,
        pattern: r.pattern,
        written: writtenSettings(r),
        reason: r.reason,
        expansions: r.pattern.startsWith('@')
          ? mine.map((x) => ({ pattern: x.pattern, option: x.configPath?.option, path: x.configPath?.path, source: x.configPath?.source, asks: boundSettings(x) }))
          : null,
        asks: r.pattern.startsWith('@') ? null : mine[0] ? boundSettings(mine[0]) : [],
        refused: b.refused.filter((x) => x.rule === r.id).map((x) => ({ path: x.configPath.path, option: x.configPath.option, source: x.configPath.source, because: x.because })),
      };
    }),
    required: b.required,
    outside: b.outside.map((cp) => ({
      option: cp.option,
      path: cp.path,
      source: cp.source,
      kind: cp.kind,
      because: b.refused.find((x) => x.configPath === cp)?.because ?? 'outside every declared tree',
    })),
  };
}

function ruleLines(b: BoundRules, r: Rule, c: ChalkInstance): string[] {
  const out = [`  ${c.cyan(p(r.id))}  ${c.bold(p(r.pattern))}  ${p(writtenSettings(r).join(' '))}`];
  const mine = b.bound.filter((x) => x.rule === r);
  if (r.pattern.startsWith('@')) {
    for (const x of mine) out.push(`      → ${p(x.pattern)}  (${sourceOf(x.configPath ?? { option: '?', source: '?' })}): ${p(boundSettings(x).join(' '))}`);
    for (const x of b.refused.filter((f) => f.rule === r.id)) {
      out.push(c.yellow(`      ✗ ${p(x.configPath.path)}  (${sourceOf(x.configPath)}): not applied, ${p(x.because)}`));
    }
    if (mine.length === 0 && !b.refused.some((f) => f.rule === r.id)) out.push(c.dim(`      → no ${r.pattern.slice(1).split('/')[0]} path in the configuration`));
  } else if (mine[0]) {
    const resolved = boundSettings(mine[0]).join(' ');
    if (resolved !== writtenSettings(r).join(' ')) out.push(`      = ${p(resolved)}`);
  }
  if (r.reason) out.push(c.dim(`      ${p(r.reason)}`));
  return out;
}

/** The effective rules as text, in the order they apply. */
export function rulesText(b: BoundRules, c: ChalkInstance): string {
  const out: string[] = [];
  out.push(c.bold(`Rule set ${b.rules.version}`) + `: $user = ${p(b.user.name)} (${b.user.id}), $group = ${p(b.group.name)} (${b.group.id})`);
  out.push('', c.bold('Files') + ' (later layers win):');
  for (const f of b.rules.files) out.push(`  ${p(f.path)}  ${c.dim(p(f.origin))}`);
  out.push('', c.bold('Trees') + ' (walked by the audit; the only places a fix may change):');
  for (const t of b.rules.trees) {
    const walked = b.trees.some((w) => w.path === t.path && w.id === t.id);
    out.push(`  ${p(t.path)}${t.spool ? ' (spool)' : ''}  ${c.dim(p(t.id))}${walked ? '' : c.dim('  (inside another tree, or declared again later)')}`);
  }
  out.push('', c.bold('Rules') + ' (in the order they apply; for each attribute the last matching rule wins):');
  for (const r of b.rules.rules) out.push(...ruleLines(b, r, c));
  if (b.required.length > 0) {
    out.push('', c.bold('Required paths:'));
    for (const r of b.required) out.push(`  ${p(r.path)}  ${c.dim(p(r.rule))}`);
  }
  if (b.outside.length > 0) {
    out.push('', c.bold('Configuration paths the rules do not let the configuration claim') + ' (reported, never fixed):');
    for (const cp of b.outside) {
      const why = b.refused.find((x) => x.configPath === cp)?.because ?? 'outside every declared tree';
      out.push(`  ${c.yellow(p(cp.path))}  (${sourceOf(cp)}): ${p(why)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** An explanation as text: what the path has, each matching rule, the winners, the verdict. */
export function explainText(x: Explanation, c: ChalkInstance): string {
  const out: string[] = [c.bold(p(x.path))];
  if (x.actual) out.push(`  has:      ${x.actual.type}, owner ${p(x.actual.owner)}, group ${p(x.actual.group)}, mode ${x.actual.mode}`);
  else out.push(`  has:      ${c.yellow('does not exist')} (expectations shown for a regular file)`);
  out.push(`  tree:     ${x.tree !== null && x.tree !== undefined ? p(x.tree) : c.yellow('none: the audit does not walk it and fix never changes it')}`);
  for (const n of x.namedBy) out.push(`  named by: ${p(n.option)} (${p(n.source)}), a ${n.kind} path`);
  out.push('', c.bold('Matching rules') + ' (in the order they apply):');
  if (x.rules.length === 0) out.push(c.dim('  none: only the checks that apply everywhere (orphan ids, setuid/setgid, world-writable)'));
  for (const r of x.rules) {
    const from = r.from ? `  (${sourceOf(r.from)})` : '';
    out.push(`  ${c.cyan(p(r.rule))}  ${p(r.written)}${r.written !== r.pattern ? ` → ${p(r.pattern)}` : ''}${from}`);
    out.push(`      asks: ${p(r.asks.join(' '))}`);
    if (r.ignored) out.push(c.yellow(`      ignored: ${p(r.ignored)}`));
    else out.push(`      wins: ${r.wins.length > 0 ? p(r.wins.join(', ')) : c.dim('nothing (a later rule decides)')}`);
    if (r.reason) out.push(c.dim(`      ${p(r.reason)}`));
  }
  if (x.winners.length > 0) {
    out.push('', c.bold('Expected') + ' (the winning rule for each attribute):');
    const w = Math.max(...x.winners.map((v) => p(v.expected).length));
    for (const v of x.winners) out.push(`  ${v.attribute.padEnd(10)} ${p(v.expected).padEnd(w)}  ${c.dim(p(v.rule))}`);
  }
  out.push('');
  if (x.findings.length === 0) out.push(c.green(x.entry ? 'Verdict: complies with every rule.' : 'Verdict: nothing requires it.'));
  else {
    out.push(c.red(`Verdict: ${x.findings.length} finding${x.findings.length === 1 ? '' : 's'}`));
    for (const f of x.findings) out.push(`  ${f.check.padEnd(14)} ${p(f.message)}  ${c.dim(p(f.rule ?? ''))}`);
  }
  const t = x.target;
  if (t && x.actual) out.push(`  a fix would make it: owner ${p(t.owner)}, group ${p(t.group)}, mode ${t.mode}`);
  if (x.verdict && x.verdict.tree === null && x.findings.length > 0) out.push(c.dim('  outside every declared tree: reported, never fixed'));
  return out.join('\n') + '\n';
}
