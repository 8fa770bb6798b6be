import { sourceOf } from './ast.js';
import { descendants, scopeLabel, type MergedScope, type Setting } from './merge.js';
import {
  CONTROL_SOCKET_MODE,
  CORE_OPTIONS,
  DEFAULT_SPOOL_MODE,
  MODULE_OPTIONS,
  NESTED_KEY_MODULES,
  PERSIST_IO,
  TLS_OPTIONS,
  type ModuleOption,
} from './path-options.js';
import type { ConfigPath, PathKind, Sourced } from './types.js';
import { filesystemPath, modeOf, octal, scalarOf, sourceOfSetting, type Ctx } from './values.js';

interface Raw {
  option: string;
  value: string;
  source: string;
  kind: PathKind;
  template?: boolean;
  scope?: string;
  fileMode?: Sourced<number>;
  dirMode?: Sourced<number>;
}

/** Turn a value into a ConfigPath, or a warning when it names no local file. Empty values mean "not written". */
function toPath(ctx: Ctx, r: Raw): ConfigPath | undefined {
  if (r.value.trim() === '') return undefined;
  const expanded = r.template ? r.value.replace(/%\{[ds]\}/g, '*') : r.value;
  const fp = filesystemPath(expanded);
  if ('scheme' in fp) {
    ctx.warnings.push({ code: 'not-a-file', message: `${r.option} names ${r.value}, a ${fp.scheme}:// URI and not a local file; it is not checked`, source: r.source });
    return undefined;
  }
  const p: ConfigPath = { option: r.option, path: fp.path, source: r.source, kind: r.kind };
  if (expanded !== r.value) p.pattern = true;
  if (fp.path !== r.value) p.raw = r.value;
  // A jlog is a directory of segments: a logger's file mode says nothing about it.
  if (r.fileMode && !fp.jlog) p.fileMode = r.fileMode;
  if (r.dirMode) p.dirMode = r.dirMode;
  if (r.scope !== undefined) p.scope = r.scope;
  return p;
}

/** A mode from the first option present, else the documented default, else none. */
function modeFrom(ctx: Ctx, scope: MergedScope | undefined, options: readonly string[] | undefined, dflt: number | undefined): Sourced<number> | undefined {
  for (const o of options ?? []) {
    const s = scope?.options.get(o);
    if (s) return { value: modeOf(ctx, s), source: sourceOfSetting(s) };
  }
  return dflt === undefined ? undefined : { value: dflt, source: 'default' };
}

function moduleRaw(ctx: Ctx, module: string, scope: MergedScope | undefined, o: ModuleOption, s: Setting | undefined): Raw | undefined {
  const value = s ? scalarOf(ctx, s) : o.default;
  if (value === undefined) return undefined;
  const r: Raw = { option: `${module}.${o.option}`, value, source: s ? sourceOfSetting(s) : 'default', kind: o.kind };
  if (o.template) r.template = true;
  if (scope) r.scope = scopeLabel(scope);
  const fm = modeFrom(ctx, scope, o.fileModeOptions, o.defaultFileMode);
  const dm = modeFrom(ctx, scope, o.dirModeOptions, o.defaultDirMode);
  if (fm) r.fileMode = fm;
  if (dm) r.dirMode = dm;
  return r;
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
    const r: Raw = { option: c.option, value: s ? scalarOf(ctx, s) : c.default, source: s ? sourceOfSetting(s) : 'default', kind: c.kind };
    if (c.option === 'spoolbase') r.fileMode = spoolMode;
    raws.push(r);
  }

  const persistScopes = global.children.filter((c) => c.key === 'persist_io');
  const persistScope = persistScopes[persistScopes.length - 1];
  const persist = moduleRaw(ctx, 'persist_io', persistScope, PERSIST_IO, persistScope?.options.get(PERSIST_IO.option));
  if (persist) raws.push(persist);

  raws.push(...tlsFiles(ctx, global));
  for (const scope of descendants(global)) {
    if (scope.parent === global && scope.key !== 'persist_io') {
      for (const o of MODULE_OPTIONS[scope.key] ?? []) {
        const r = moduleRaw(ctx, scope.key, scope, o, scope.options.get(o.option));
        if (r) raws.push(r);
      }
    }
    raws.push(...nestedKeys(ctx, scope, global), ...controlSocket(ctx, scope), ...tlsFiles(ctx, scope));
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
  return [{ option: `${top.key}.key`, value: scalarOf(ctx, s), source: sourceOfSetting(s), kind: 'private-key', template: true, scope: scopeLabel(scope) }];
}

/** `Control_Listener { Listen "/tmp/2025" { File_Mode = 0660 } }`: a unix socket. */
function controlSocket(ctx: Ctx, scope: MergedScope): Raw[] {
  const parent = scope.parent;
  if (scope.key !== 'listen' || !parent || parent.key !== 'control_listener' || !scope.name?.startsWith('/') || !scope.pos) return [];
  const mode = modeFrom(ctx, scope, ['file_mode'], undefined) ?? modeFrom(ctx, parent, ['file_mode'], CONTROL_SOCKET_MODE);
  const r: Raw = { option: 'control_listener.listen', value: scope.name, source: sourceOf(scope.pos), kind: 'socket', scope: scopeLabel(parent) };
  if (mode) r.fileMode = mode;
  return [r];
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
