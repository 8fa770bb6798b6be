import * as path from 'node:path';
import type { ConfigWarning } from './types.js';
import { sourceOf, type Pos, type Value } from './ast.js';
import { MOMENTUM_HOME } from './locate.js';
import type { Setting } from './merge.js';
import { errorAt } from './source.js';

/** What the later stages share: file texts for error frames, and the warnings collected so far. */
export interface Ctx {
  texts: ReadonlyMap<string, string>;
  warnings: ConfigWarning[];
}

/** An MP108 error pointing at `pos`. */
export function invalid(ctx: Ctx, message: string, pos: Pos): Error {
  return errorAt('MP108', message, pos, ctx.texts.get(pos.file));
}

function describeValue(v: Value): string {
  return v.kind === 'list' ? 'a list' : 'a dictionary';
}

/** The text of a single-valued option; a list or dictionary where one value belongs is MP108. */
export function scalarOf(ctx: Ctx, s: Setting): string {
  const v = s.a.value;
  if (v.kind !== 'scalar') throw invalid(ctx, `${s.a.name} takes a single value, not ${describeValue(v)}`, v.pos);
  return v.text;
}

/** Scalars of a value that may be one item or a list of items (`supplemental_groups`). */
export function itemsOf(ctx: Ctx, s: Setting): { text: string; pos: Pos }[] {
  const v = s.a.value;
  if (v.kind === 'scalar') return v.text.split(/[\s,]+/).filter((x) => x !== '').map((text) => ({ text, pos: v.pos }));
  if (v.kind === 'dict') throw invalid(ctx, `${s.a.name} takes a list, not a dictionary`, v.pos);
  return v.items.map((item) => {
    if (item.kind !== 'scalar') throw invalid(ctx, `${s.a.name} takes a list of names or ids, not ${describeValue(item)}`, item.pos);
    return { text: item.text, pos: item.pos };
  });
}

/** Modes are octal whether written `0640`, `"0640"` or `640`. Anything else is MP108. */
export function modeOf(ctx: Ctx, s: Setting): number {
  const text = scalarOf(ctx, s).trim();
  if (!/^[0-7]{1,5}$/.test(text) || parseInt(text, 8) > 0o7777) {
    throw invalid(ctx, `${s.a.name} must be an octal mode such as 0640, not "${text}"`, s.a.value.pos);
  }
  return parseInt(text, 8);
}

/** `0640`: the way modes are written in configuration and printed back. */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** `file:line` of a setting. */
export function sourceOfSetting(s: Setting): string {
  return sourceOf(s.a.pos);
}

/** Schemes whose value names a filesystem path: a jlog directory for jlog and cluster (an alias of jlog). */
const FILE_SCHEMES = new Set(['jlog', 'cluster', 'file']);

export type PathValue = { path: string; raw?: string; jlog?: boolean } | { scheme: string };

/**
 * The filesystem path a path option names. `jlog:///var/log/x.rt=>master` and `cluster:///…` are reduced to
 * their path (the `=>subscriber` part dropped) and marked `jlog` (a directory of segments); other URI schemes
 * name no local file. Relative paths are taken from Momentum's home, /opt/msys/ecelerity (the docs do not say;
 * ecelerity runs from there).
 */
export function filesystemPath(raw: string): PathValue {
  let p = raw.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(p);
  const scheme = m ? (m[1] as string).toLowerCase() : undefined;
  if (m && scheme) {
    if (!FILE_SCHEMES.has(scheme)) return { scheme };
    p = p.slice(m[0].length);
    const sub = scheme === 'file' ? -1 : p.indexOf('=>');
    if (sub >= 0) p = p.slice(0, sub);
  }
  const resolved = path.posix.resolve(MOMENTUM_HOME, p);
  if (scheme === 'jlog' || scheme === 'cluster') return { path: resolved, raw, jlog: true };
  return resolved === raw ? { path: resolved } : { path: resolved, raw };
}
