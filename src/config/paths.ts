import { sourceOf } from './ast.js';
import { descendants, scopeLabel, type MergedScope, type Setting } from './merge.js';
import {
  AUTH_OPTIONS,
  CONTROL_SOCKET_MODE,
  CORE_OPTIONS,
  DEFAULT_SPOOL_MODE,
  MODULE_OPTIONS,
  NESTED_KEY_MODULES,
  PERSIST_IO,
  TLS_OPTIONS,
  DEFAULT_TRACE_SMTP_MODE,
  type ModuleOption,
} from './path-options.js';
import type { Value } from './ast.js';
import type { ConfigPath, PathKind, Sourced } from './types.js';
import { filesystemPath, invalid, modeOf, octal, scalarOf, sourceOfSetting, type Ctx } from './values.js';

interface Raw {
  option: string;
  value: string;
  source: string;
  kind: PathKind;
  template?: 'dkim' | 'format';
  scope?: string;
  fileMode?: Sourced<number>;
  dirMode?: Sourced<number>;
  fileSchemes?: readonly string[];
  /** The options that set the file and directory modes, for the warning that names them. */
  modeOptions?: { file?: string; dir?: string };
  quiet?: boolean;
  absoluteOnly?: boolean;
}

/** `%{d}`/`%{s}` (DKIM), or every `%{x}` macro and `%Y`-style conversion (log file name formats), become `*`. */
function expandTemplate(value: string, template: Raw['template']): string {
  if (template === 'dkim') return value.replace(/%\{[ds]\}/g, '*');
  if (template === 'format') return value.replace(/%\{[^}]*\}|%[A-Za-z]/g, '*').replace(/\*+/g, '*');
  return value;
}

/** Turn a value into a ConfigPath, or a warning when it names no local file. Empty values mean "not written". */
function toPath(ctx: Ctx, r: Raw): ConfigPath | undefined {
  if (r.value.trim() === '') return undefined;
  if (r.absoluteOnly && !r.value.trim().startsWith('/') && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(r.value.trim())) {
    if (!r.quiet) ctx.warnings.push({ code: 'not-a-file', message: `${r.option} is ${r.value}, not a file path; it is not checked`, source: r.source });
    return undefined;
  }
  const expanded = expandTemplate(r.value, r.template);
  const fp = filesystemPath(expanded, r.fileSchemes);
  if ('scheme' in fp) {
    if (!r.quiet) {
      ctx.warnings.push({ code: 'not-a-file', message: `${r.option} names ${r.value}, a ${fp.scheme} URI and not a local file; it is not checked`, source: r.source });
    }
    return undefined;
  }
  if (fp.relative && r.source !== 'default') {
    ctx.warnings.push({
      code: 'relative-path',
      message: `${r.option} is relative (${r.value}): taken from /, where the documentation's relative defaults land (var/log/ecelerity/…); ecelerity's working directory is not documented`,
      source: r.source,
    });
  }
  const p: ConfigPath = { option: r.option, path: fp.path, source: r.source, kind: r.kind };
  if (expanded !== r.value) p.pattern = true;
  if (fp.path !== r.value) p.raw = r.value;
  // A jlog is a directory of segments: a logger's file mode says nothing about it.
  if (r.fileMode && !fp.jlog) p.fileMode = r.fileMode;
  if (r.dirMode) p.dirMode = r.dirMode;
  if (r.scope !== undefined) p.scope = r.scope;
  worldWritable(ctx, p, r);
  return p;
}

/**
 * A mode that lets anyone write (pipe_io's documented default 0666 above all) is reported where it comes from:
 * any local account could then forge or truncate what Momentum writes there.
 */
function worldWritable(ctx: Ctx, p: ConfigPath, r: Raw): void {
  for (const [what, m] of [['files', p.fileMode], ['directories', p.dirMode]] as const) {
    if (!m || (m.value & 0o002) === 0) continue;
    const from = m.source === 'default' ? 'the documented default' : `set at ${m.source}`;
    const option = (what === 'files' ? r.modeOptions?.file : r.modeOptions?.dir) ?? 'the mode option';
    // A unix socket's write bit is the right to connect: every account could drive the console.
    const effect = p.kind === 'socket' ? 'the socket is created with mode' : `${what} are created with mode`;
    const who = p.kind === 'socket' ? 'which lets every local account connect' : 'writable by every local account';
    ctx.warnings.push({
      code: 'world-writable-mode',
      message: `${p.option} (${p.path}): ${effect} ${octal(m.value)} (${from}), ${who}; set ${option} to ${p.kind === 'socket' ? '0660 (the documented default)' : '0640'} or tighter`,
      source: r.source,
    });
  }
}

/** A mode from the first option present, else the documented default, else none. */
function modeFrom(ctx: Ctx, scope: MergedScope | undefined, options: readonly string[] | undefined, dflt: number | undefined): Sourced<number> | undefined {
  for (const o of options ?? []) {
    const s = scope?.options.get(o);
    if (s) return { value: modeOf(ctx, s), source: sourceOfSetting(s) };
  }
  return dflt === undefined ? undefined : { value: dflt, source: 'default' };
}

/**
 * The values an option names, each with its label and where it is written: one scalar, every item of a list
 * (`list`), one key of a dictionary (`dictKey`) or every value of one (`dictValues`). Anything else where a
 * path belongs is MP108.
 */
function valuesOf(ctx: Ctx, name: string, o: ModuleOption, s: Setting): { label: string; text: string; source: string }[] {
  const one = (v: Value, label: string): { label: string; text: string; source: string } => {
    if (v.kind !== 'scalar') throw invalid(ctx, `${s.a.name} takes a single value here, not a ${v.kind === 'list' ? 'list' : 'dictionary'}`, v.pos);
    return { label, text: v.text, source: `${v.pos.file}:${v.pos.line}` };
  };
  const v = s.a.value;
  if (o.list && v.kind === 'list') return v.items.map((i) => one(i, name));
  if (o.dictKey !== undefined || o.dictValues) {
    if (v.kind !== 'dict') throw invalid(ctx, `${s.a.name} takes a dictionary ([ key = value … ])`, v.pos);
    const entries = o.dictValues ? v.entries : v.entries.filter((e) => e.key.toLowerCase() === o.dictKey);
    return entries.map((e) => one(e.value, o.dictValues ? `${name}.${e.key.toLowerCase()}` : name));
  }
  return [{ label: name, text: scalarOf(ctx, s), source: sourceOfSetting(s) }];
}

function moduleRaws(ctx: Ctx, module: string, scope: MergedScope | undefined, o: ModuleOption, s: Setting | undefined): Raw[] {
  const name = `${module}.${o.option}`;
  const values = s ? valuesOf(ctx, name, o, s) : o.default !== undefined ? [{ label: name, text: o.default, source: 'default' }] : [];
  const fm = values.length ? modeFrom(ctx, scope, o.fileModeOptions, o.defaultFileMode) : undefined;
  const dm = values.length ? modeFrom(ctx, scope, o.dirModeOptions, o.defaultDirMode) : undefined;
  return values.map((v) => {
    const r: Raw = { option: v.label, value: v.text, source: v.source, kind: o.kind };
    if (o.template) r.template = o.template;
    if (scope) r.scope = scopeLabel(scope);
    if (fm) r.fileMode = fm;
    if (dm) r.dirMode = dm;
    if (o.fileSchemes) r.fileSchemes = o.fileSchemes;
    const file = o.fileModeOptions?.[0];
    const dir = o.dirModeOptions?.[0];
    if (file !== undefined || dir !== undefined) r.modeOptions = { ...(file !== undefined ? { file } : {}), ...(dir !== undefined ? { dir } : {}) };
    if (o.quiet) r.quiet = true;
    if (o.absoluteOnly) r.absoluteOnly = true;
    return r;
  });
}

function moduleRaw(ctx: Ctx, module: string, scope: MergedScope | undefined, o: ModuleOption, s: Setting | undefined): Raw | undefined {
  return moduleRaws(ctx, module, scope, o, s)[0];
}

/**
 * Every path the configuration names, with the documented default where an option is absent:
 * the global options (spoolbase, pidfile, …), persist_io, then in order of the configuration the module
 * options of configured modules, Control_Listener unix sockets, DKIM keys and TLS files in every scope.
 * Also returns the settings rules refer to (`spool_mode`, `spoolbase`).
 */
export function configPaths(global: MergedScope, ctx: Ctx): { paths: ConfigPath[]; settings: Record<string, Sourced<string>> } {
  const raws: Raw[] = [];
  const spoolModeSetting = global.options.get('spool_mode');
  const spoolMode: Sourced<number> = spoolModeSetting
    ? { value: modeOf(ctx, spoolModeSetting), source: sourceOfSetting(spoolModeSetting) }
    : { value: DEFAULT_SPOOL_MODE, source: 'default' };

  for (const c of CORE_OPTIONS) {
    const s = global.options.get(c.option);
    const value = s ? scalarOf(ctx, s) : c.default;
    if (value === undefined) continue;
    const r: Raw = { option: c.option, value, source: s ? sourceOfSetting(s) : 'default', kind: c.kind };
    if (c.option === 'spoolbase') r.fileMode = spoolMode;
    raws.push(r);
  }

  const persistScopes = global.children.filter((c) => c.key === 'persist_io');
  const persistScope = persistScopes[persistScopes.length - 1];
  const persist = moduleRaw(ctx, 'persist_io', persistScope, PERSIST_IO, persistScope?.options.get(PERSIST_IO.option));
  if (persist) raws.push(persist);

  raws.push(...tlsFiles(ctx, global), ...anyScope(ctx, global));
  for (const scope of descendants(global)) {
    if (scope.parent === global && scope.key !== 'persist_io') {
      for (const o of MODULE_OPTIONS[scope.key] ?? []) {
        if (o.in !== undefined) {
          // Set in nested scopes only (`sieve { script "x" { source = … } }`): each such scope, with its label.
          for (const inner of descendants(scope).filter((d) => o.in?.includes(d.key))) {
            const s = inner.options.get(o.option);
            if (s) raws.push(...moduleRaws(ctx, scope.key, inner, o, s));
          }
          continue;
        }
        raws.push(...moduleRaws(ctx, scope.key, scope, o, scope.options.get(o.option)));
      }
    }
    raws.push(...nestedKeys(ctx, scope, global), ...controlSocket(ctx, scope), ...tlsFiles(ctx, scope), ...anyScope(ctx, scope));
  }

  const paths: ConfigPath[] = [];
  const seen = new Set<string>();
  for (const r of raws) {
    const p = toPath(ctx, r);
    if (!p) continue;
    const id = `${p.option}\u0000${p.path}\u0000${p.scope ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    paths.push(p);
  }
  const spoolbase = paths.find((p) => p.option === 'spoolbase');
  const settings: Record<string, Sourced<string>> = { spool_mode: { value: octal(spoolMode.value), source: spoolMode.source } };
  if (spoolbase) settings['spoolbase'] = { value: spoolbase.path, source: spoolbase.source };
  const traceSetting = global.options.get('trace_smtp_mode');
  const trace: Sourced<number> = traceSetting
    ? { value: modeOf(ctx, traceSetting), source: sourceOfSetting(traceSetting) }
    : { value: DEFAULT_TRACE_SMTP_MODE, source: 'default' };
  settings['trace_smtp_mode'] = { value: octal(trace.value), source: trace.source };
  if (trace.value & 0o002) {
    ctx.warnings.push({
      code: 'world-writable-mode',
      message: `trace_smtp_mode ${octal(trace.value)}: the trace files of the console's trace smtp command are created writable by every local account; set it to 0640 or tighter`,
      source: trace.source,
    });
  }
  return { paths, settings };
}

/** `key` in a scope nested inside a DKIM module (`dkim_domain "x" { key = … }`). */
function nestedKeys(ctx: Ctx, scope: MergedScope, global: MergedScope): Raw[] {
  if (scope.parent === global) return [];
  let top = scope;
  while (top.parent && top.parent !== global) top = top.parent;
  if (!NESTED_KEY_MODULES.has(top.key)) return [];
  const s = scope.options.get('key');
  if (!s) return [];
  return [{ option: `${top.key}.key`, value: scalarOf(ctx, s), source: sourceOfSetting(s), kind: 'private-key', template: 'dkim', scope: scopeLabel(scope) }];
}

/** `Control_Listener { Listen "/tmp/2025" { File_Mode = 0660 } }`: a unix socket. */
function controlSocket(ctx: Ctx, scope: MergedScope): Raw[] {
  const parent = scope.parent;
  if (scope.key !== 'listen' || !parent || parent.key !== 'control_listener' || !scope.name?.startsWith('/') || !scope.pos) return [];
  const mode = modeFrom(ctx, scope, ['file_mode'], undefined) ?? modeFrom(ctx, parent, ['file_mode'], CONTROL_SOCKET_MODE);
  const r: Raw = { option: 'control_listener.listen', value: scope.name, source: sourceOf(scope.pos), kind: 'socket', scope: scopeLabel(parent), modeOptions: { file: 'File_Mode' } };
  if (mode) r.fileMode = mode;
  return [r];
}

/** Options valid in any scope: the Auth*Parameters dictionaries' `uri`. */
function anyScope(ctx: Ctx, scope: MergedScope): Raw[] {
  const out: Raw[] = [];
  for (const o of AUTH_OPTIONS) {
    const s = scope.options.get(o.option);
    if (!s) continue;
    for (const r of moduleRaws(ctx, '', scope.parent ? scope : undefined, o, s)) out.push({ ...r, option: o.option });
  }
  return out;
}

function tlsFiles(ctx: Ctx, scope: MergedScope): Raw[] {
  const out: Raw[] = [];
  for (const t of TLS_OPTIONS) {
    const s = scope.options.get(t.option);
    if (!s) continue;
    const r: Raw = { option: t.option, value: scalarOf(ctx, s), source: sourceOfSetting(s), kind: t.kind };
    if (scope.parent) r.scope = scopeLabel(scope);
    out.push(r);
  }
  return out;
}
