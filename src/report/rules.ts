/**
 * Text and JSON views of bound rules (`momentum-perms rules`) and of an explanation (`explain`). Pure:
 * strings and plain objects out, the commands print them.
 */
import type { ChalkInstance } from 'chalk';
import { boundSettings, writtenSettings } from '../rules/describe.js';
import type { Explanation } from '../rules/explain.js';
import type { BoundRules, Rule } from '../rules/types.js';
import { line, paint, text, type Shown } from './line.js';

// Text views print paths, names and values that come from the configuration (which the service account
// edits) and from the disk: each goes through line(), so that a newline or an escape sequence in a
// `TLS_Key` or an include name can neither forge lines nor drive the terminal (erase a warning above it).

/** `option, file:line` (or `option, default`): where a configuration path came from. */
function originOf(cp: { option: string; source: string }): Shown {
  return line`${cp.option}, ${cp.source}`;
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

function ruleLines(b: BoundRules, r: Rule, color: ChalkInstance): Shown[] {
  const c = paint(color);
  const out = [line`  ${c.cyan(r.id)}  ${c.bold(r.pattern)}  ${writtenSettings(r).join(' ')}`];
  const mine = b.bound.filter((x) => x.rule === r);
  if (r.pattern.startsWith('@')) {
    for (const x of mine) out.push(line`      → ${x.pattern}  (${originOf(x.configPath ?? { option: '?', source: '?' })}): ${boundSettings(x).join(' ')}`);
    for (const x of b.refused.filter((f) => f.rule === r.id)) {
      out.push(c.yellow(line`      ✗ ${x.configPath.path}  (${originOf(x.configPath)}): not applied, ${x.because}`));
    }
    if (mine.length === 0 && !b.refused.some((f) => f.rule === r.id)) out.push(c.dim(line`      → no ${r.pattern.slice(1).split('/')[0]} path in the configuration`));
  } else if (mine[0]) {
    const resolved = boundSettings(mine[0]).join(' ');
    if (resolved !== writtenSettings(r).join(' ')) out.push(line`      = ${resolved}`);
  }
  if (r.reason) out.push(c.dim(line`      ${r.reason}`));
  return out;
}

/** The effective rules as text, in the order they apply. */
export function rulesText(b: BoundRules, color: ChalkInstance): string {
  const c = paint(color);
  const out: Shown[] = [];
  out.push(line`${c.bold(line`Rule set ${b.rules.version}`)}: $user = ${b.user.name} (${b.user.id}), $group = ${b.group.name} (${b.group.id})`);
  out.push(line``, line`${c.bold('Files')} (later layers win):`);
  for (const f of b.rules.files) out.push(line`  ${f.path}  ${c.dim(f.origin)}`);
  out.push(line``, line`${c.bold('Trees')} (walked by the audit; the only places a fix may change):`);
  for (const t of b.rules.trees) {
    const walked = b.trees.some((w) => w.path === t.path && w.id === t.id);
    out.push(line`  ${t.path}${t.spool ? ' (spool)' : ''}  ${c.dim(t.id)}${walked ? '' : c.dim('  (inside another tree, or declared again later)')}`);
  }
  out.push(line``, line`${c.bold('Rules')} (in the order they apply; for each attribute the last matching rule wins):`);
  for (const r of b.rules.rules) out.push(...ruleLines(b, r, color));
  if (b.required.length > 0) {
    out.push(line``, c.bold('Required paths:'));
    for (const r of b.required) out.push(line`  ${r.path}  ${c.dim(r.rule)}`);
  }
  if (b.outside.length > 0) {
    out.push(line``, line`${c.bold('Configuration paths the rules do not let the configuration claim')} (reported, never fixed):`);
    for (const cp of b.outside) {
      const why = b.refused.find((x) => x.configPath === cp)?.because ?? 'outside every declared tree';
      out.push(line`  ${c.yellow(cp.path)}  (${originOf(cp)}): ${why}`);
    }
  }
  return text(out);
}

/** An explanation as text: what the path has, each matching rule, the winners, the verdict. */
export function explainText(x: Explanation, color: ChalkInstance): string {
  const c = paint(color);
  const out: Shown[] = [c.bold(x.path)];
  if (x.actual) out.push(line`  has:      ${x.actual.type}, owner ${x.actual.owner}, group ${x.actual.group}, mode ${x.actual.mode}`);
  else out.push(line`  has:      ${c.yellow('does not exist')} (expectations shown for a regular file)`);
  if (x.actual?.acl) out.push(line`  acl:      ${x.actual.acl}`);
  out.push(line`  tree:     ${x.tree !== null && x.tree !== undefined ? x.tree : c.yellow('none: the audit does not walk it and fix never changes it')}`);
  for (const n of x.namedBy) out.push(line`  named by: ${n.option} (${n.source}), a ${n.kind} path`);
  out.push(line``, line`${c.bold('Matching rules')} (in the order they apply):`);
  if (x.rules.length === 0) out.push(c.dim('  none: only the checks that apply everywhere (orphan ids, setuid/setgid, world-writable)'));
  for (const r of x.rules) {
    const from = r.from ? line`  (${originOf(r.from)})` : '';
    out.push(line`  ${c.cyan(r.rule)}  ${r.written}${r.written !== r.pattern ? line` → ${r.pattern}` : ''}${from}`);
    out.push(line`      asks: ${r.asks.join(' ')}`);
    if (r.ignored) out.push(c.yellow(line`      ignored: ${r.ignored}`));
    else out.push(line`      wins: ${r.wins.length > 0 ? r.wins.join(', ') : c.dim('nothing (a later rule decides)')}`);
    if (r.reason) out.push(c.dim(line`      ${r.reason}`));
  }
  if (x.winners.length > 0) {
    out.push(line``, line`${c.bold('Expected')} (the winning rule for each attribute):`);
    const shown = x.winners.map((v) => ({ attribute: v.attribute, expected: line`${v.expected}`.text, rule: v.rule }));
    const w = Math.max(...shown.map((v) => v.expected.length));
    for (const v of shown) out.push(line`  ${v.attribute.padEnd(10)} ${v.expected.padEnd(w)}  ${c.dim(v.rule)}`);
  }
  out.push(line``);
  if (x.findings.length === 0) out.push(c.green(x.entry ? 'Verdict: complies with every rule.' : 'Verdict: nothing requires it.'));
  else {
    out.push(c.red(`Verdict: ${x.findings.length} finding${x.findings.length === 1 ? '' : 's'}`));
    for (const f of x.findings) out.push(line`  ${f.check.padEnd(14)} ${f.message}  ${c.dim(f.rule ?? '')}`);
  }
  const t = x.target;
  if (t && x.actual) out.push(line`  a fix would make it: owner ${t.owner}, group ${t.group}, mode ${t.mode}`);
  if (x.verdict && x.verdict.tree === null && x.findings.length > 0) out.push(c.dim('  outside every declared tree: reported, never fixed'));
  return text(out);
}
