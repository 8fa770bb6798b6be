import * as path from 'node:path';
import type { ConfigWarning } from './types.js';
import { sourceOf, type Pos, type Value } from './ast.js';
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
const FILE_SCHEMES = ['jlog', 'cluster', 'file'];

export type PathValue = { path: string; raw?: string; jlog?: boolean; relative?: boolean } | { scheme: string };

/**
 * Where relative paths are taken from: `/`. The documentation's relative defaults all start `var/log/ecelerity/`
 * (mms_logger's `var/log/ecelerity/mm7log.ec`, pe2_logger's `var/log/ecelerity/pe2/…`, mc_logger's
 * `jlog://var/log/ecelerity/mc_log.rt`), and the same pages write the same values with a leading `/` elsewhere:
 * they mean the log directory, which they are only when taken from `/`. Under /opt/msys/ecelerity they would
 * name a `var/` directory no install has.
 */
export const RELATIVE_BASE = '/';

/**
 * The filesystem path a path option names. `jlog:///var/log/x.rt=>master` and `cluster:///…` are reduced to
 * their path (the `=>subscriber` part dropped) and marked `jlog` (a directory of segments); `file://`, and the
 * option's own file schemes (`digest:///…/console_passwd`, `groups:///…`, `sqlite:/…/db`), to the file they
 * name; any other URI names no local file. Relative paths are taken from RELATIVE_BASE and marked.
 */
export function filesystemPath(raw: string, extraSchemes: readonly string[] = []): PathValue {
  let p = raw.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/.exec(p);
  const scheme = m ? (m[1] as string).toLowerCase() : undefined;
  // `x:` without `//` is a URI only for the option's own schemes (`sqlite:/path`); otherwise it is a file name.
  // An option with schemes of its own (a datasource's `sqlite:/…`) takes any other `x:` as a URI too (`odbc:DSN=…`).
  if (m && scheme && (m[2] !== undefined || extraSchemes.length > 0)) {
    if (!FILE_SCHEMES.includes(scheme) && !extraSchemes.includes(scheme)) return { scheme };
    p = p.slice(m[0].length);
    const sub = scheme === 'jlog' || scheme === 'cluster' ? p.indexOf('=>') : -1;
    if (sub >= 0) p = p.slice(0, sub);
    if (p === '') return { scheme };
  }
  const relative = !p.startsWith('/');
  const resolved = path.posix.resolve(RELATIVE_BASE, p);
  const out: { path: string; raw?: string; jlog?: boolean; relative?: boolean } = { path: resolved };
  if (resolved !== raw) out.raw = raw;
  if (scheme === 'jlog' || scheme === 'cluster') out.jlog = true;
  if (relative) out.relative = true;
  return out;
}
