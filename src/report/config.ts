import { printable } from '../printable.js';
import type { ChalkInstance } from 'chalk';
import type { IdRef } from '../types.js';
import type { ConfigPath, MomentumConfig, Sourced } from '../config/types.js';
import { octal } from '../config/values.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function widest(xs: string[], cap: number): number {
  return Math.min(cap, xs.reduce((m, x) => Math.max(m, x.length), 0));
}

function idText(r: IdRef): string {
  return r.id === null ? `${r.name} (no id)` : `${r.name} (${r.id})`;
}

function modeText(label: string, m: Sourced<number> | undefined): string[] {
  if (!m) return [];
  return [`${label} ${octal(m.value)}${m.source === 'default' ? ' (default)' : ` (${m.source})`}`];
}

function pathExtras(p: ConfigPath): string {
  const extras = [
    ...modeText(p.kind === 'spool' || p.kind === 'persist' || p.kind === 'data' ? 'files' : 'mode', p.fileMode),
    ...modeText('dirs', p.dirMode),
    ...(p.pattern ? ['pattern'] : []),
    ...(p.raw !== undefined && !p.pattern ? [`written ${p.raw}`] : []),
    ...(p.scope !== undefined ? [`in ${p.scope}`] : []),
  ];
  return extras.length ? `  ${extras.join(', ')}` : '';
}

/**
 * The readable summary `momentum-perms config` prints: which file was read, the Security user and group with
 * their ids and where they come from, the paths the configuration names, and warnings. Pure: returns text.
 */
export function renderSummary(cfg: MomentumConfig, color: ChalkInstance): string {
  // Every value below comes from files the service account edits: escaped, so that none can drive the terminal.
  const src = (s: string): string => (s === 'default' ? color.dim('default') : printable(s));
  const out: string[] = [];
  out.push(`${color.bold('Configuration')}  ${printable(cfg.configFile)}  (Momentum ${cfg.version})`);
  cfg.files.forEach((f, i) => out.push(`${i === 0 ? 'Files read   ' : '             '}  ${printable(f)}`));

  const sec = cfg.security;
  const rows: [string, string, string][] = [
    ['user', printable(idText(sec.user)), src(sec.user.source)],
    ['group', printable(idText(sec.group)), src(sec.group.source)],
  ];
  if (sec.supplementalGroups.length === 0) rows.push(['supplemental groups', 'none', '']);
  sec.supplementalGroups.forEach((g, i) => rows.push([i === 0 ? 'supplemental groups' : '', printable(idText(g)), src(g.source)]));
  rows.push(['chroot', sec.chroot ? printable(sec.chroot.value) : 'none', sec.chroot ? src(sec.chroot.source) : '']);
  rows.push(['capabilities', sec.capabilities ? printable(sec.capabilities.value) : 'none', sec.capabilities ? src(sec.capabilities.source) : '']);
  const w1 = widest(rows.map((r) => r[0]), 30);
  const w2 = widest(rows.map((r) => r[1]), 50);
  out.push('', color.bold('Security'));
  for (const [k, v, s] of rows) out.push(`  ${pad(k, w1)}  ${s ? pad(v, w2) + '  ' + s : v}`.trimEnd());

  out.push('', color.bold(`Paths (${cfg.paths.length})`));
  const wo = widest(cfg.paths.map((p) => printable(p.option)), 40);
  const wp = widest(cfg.paths.map((p) => printable(p.path)), 60);
  const wk = widest(cfg.paths.map((p) => p.kind), 12);
  for (const p of cfg.paths) {
    out.push(`  ${pad(printable(p.option), wo)}  ${pad(printable(p.path), wp)}  ${pad(p.kind, wk)}  ${src(p.source)}${printable(pathExtras(p))}`);
  }

  if (cfg.warnings.length) {
    out.push('', color.bold(`Warnings (${cfg.warnings.length})`));
    for (const w of cfg.warnings) out.push(`  ${color.yellow(w.code)}: ${printable(w.message)} (${src(w.source)})`);
  } else {
    out.push('', 'No warnings.');
  }
  return out.join('\n') + '\n';
}
