import type { ChalkInstance } from 'chalk';
import type { IdRef } from '../types.js';
import type { ConfigPath, MomentumConfig, Sourced } from '../config/types.js';
import { octal } from '../config/values.js';
import { esc, line, paint, text, trimEnd, type Shown } from './line.js';

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
  // Every value below comes from files the service account edits: escaped by line() and esc(), so that none
  // can drive the terminal. Widths are measured on the escaped text, as it is shown.
  const c = paint(color);
  const src = (s: string): Shown => (s === 'default' ? c.dim('default') : esc(s));
  const out: Shown[] = [];
  out.push(line`${c.bold('Configuration')}  ${cfg.configFile}  (Momentum ${cfg.version})`);
  cfg.files.forEach((f, i) => out.push(line`${i === 0 ? 'Files read   ' : '             '}  ${f}`));

  const sec = cfg.security;
  const none = esc('none');
  const blank = esc('');
  const rows: [string, Shown, Shown][] = [
    ['user', esc(idText(sec.user)), src(sec.user.source)],
    ['group', esc(idText(sec.group)), src(sec.group.source)],
  ];
  if (sec.supplementalGroups.length === 0) rows.push(['supplemental groups', none, blank]);
  sec.supplementalGroups.forEach((g, i) => rows.push([i === 0 ? 'supplemental groups' : '', esc(idText(g)), src(g.source)]));
  rows.push(['chroot', sec.chroot ? esc(sec.chroot.value) : none, sec.chroot ? src(sec.chroot.source) : blank]);
  rows.push(['capabilities', sec.capabilities ? esc(sec.capabilities.value) : none, sec.capabilities ? src(sec.capabilities.source) : blank]);
  const w1 = widest(rows.map((r) => r[0]), 30);
  const w2 = widest(rows.map((r) => r[1].text), 50);
  out.push(line``, c.bold('Security'));
  for (const [k, v, s] of rows) out.push(trimEnd(line`  ${pad(k, w1)}  ${s.text ? line`${pad(v.text, w2)}  ${s}` : v}`));

  out.push(line``, c.bold(`Paths (${cfg.paths.length})`));
  const wo = widest(cfg.paths.map((p) => esc(p.option).text), 40);
  const wp = widest(cfg.paths.map((p) => esc(p.path).text), 60);
  const wk = widest(cfg.paths.map((p) => p.kind), 12);
  for (const p of cfg.paths) {
    out.push(line`  ${pad(esc(p.option).text, wo)}  ${pad(esc(p.path).text, wp)}  ${pad(p.kind, wk)}  ${src(p.source)}${pathExtras(p)}`);
  }

  if (cfg.warnings.length) {
    out.push(line``, c.bold(`Warnings (${cfg.warnings.length})`));
    for (const w of cfg.warnings) out.push(line`  ${c.yellow(w.code)}: ${w.message} (${src(w.source)})`);
  } else {
    out.push(line``, line`No warnings.`);
  }
  return text(out);
}
