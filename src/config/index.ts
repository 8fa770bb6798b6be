import type { FsLike, Root } from '../io/fs.js';
import type { UserDb } from '../io/users.js';
import { sourceOf, type LoadedFile, type Stmt } from './ast.js';
import type { ConfigWarning } from './types.js';
import { kindOf } from './files.js';
import { ConfigLoader } from './loader.js';
import * as path from 'node:path';
import { locateConfig } from './locate.js';
import { mergeConfig } from './merge.js';
import { CORE_OPTIONS } from './path-options.js';
import { configPaths } from './paths.js';
import { securityModel } from './security.js';
import type { MomentumConfig, ReadConfigOptions } from './types.js';
import { RELATIVE_BASE, scalarOf, type Ctx } from './values.js';

export type * from './types.js';
export { parseConfig } from './parser.js';

const LOCAL_CHANGES_DEFAULT = CORE_OPTIONS.find((c) => c.option === 'local_changes_file')?.default ?? '';

/**
 * Read the configuration the way ecelerity does: find the file, read it with its includes and the local changes
 * file, fold later definitions over earlier ones, then derive the Security model and the paths it names.
 *
 * Every file is read through `fs` at `hostPath(root, p)`; every path returned is Momentum's own.
 * Throws MpError (MP100–MP108) for expected failures.
 */
export function readConfig(fs: FsLike, root: Root, users: UserDb, opts: ReadConfigOptions = {}): MomentumConfig {
  const located = locateConfig(fs, root, opts);
  const loader = new ConfigLoader(fs, root, located.searchPath);
  const loaded: LoadedFile[] = [loader.loadTop(located.file)];
  const ctx: Ctx = { texts: loader.texts, warnings: [] };

  // Local_Changes_File is loaded after all other files, from where the configuration says it is.
  const lc = mergeConfig(loaded).options.get('local_changes_file');
  // Taken from / like every path value, so that the file read is the file reported (values.ts, RELATIVE_BASE).
  const localChanges = path.posix.resolve(RELATIVE_BASE, lc ? scalarOf(ctx, lc) : LOCAL_CHANGES_DEFAULT);
  if (kindOf(fs, root, localChanges) !== 'missing') {
    loaded.push(loader.loadTop(localChanges));
  }

  ctx.warnings.push(...scopesWithEquals(loaded));
  const global = mergeConfig(loaded);
  const security = securityModel(global, users, ctx);
  const { paths, settings } = configPaths(global, ctx);
  return {
    configFile: located.file,
    files: loader.files,
    version: located.version,
    security,
    paths,
    warnings: ctx.warnings,
    settings,
  };
}

/**
 * `Esmtp_Listener = {` and `Replicate = "x" {}` appear in official examples; the documentation writes scopes
 * without `=` everywhere else. They are read as scopes (nothing else could follow), with a warning, once per place.
 */
function scopesWithEquals(files: LoadedFile[]): ConfigWarning[] {
  const out = new Map<string, ConfigWarning>();
  const visit = (stmts: Stmt[]): void => {
    for (const s of stmts) {
      if (s.kind === 'include') for (const f of s.files ?? []) visit(f.stmts);
      if (s.kind !== 'scope') continue;
      if (s.equals) {
        const source = sourceOf(s.equals);
        const label = s.name === null ? s.type : `${s.type} "${s.name}"`;
        out.set(source, { code: 'scope-with-equals', message: `'=' before the '{' of scope ${label}: read as a scope, as the documentation's examples mean it`, source });
      }
      visit(s.body);
    }
  };
  for (const f of files) visit(f.stmts);
  return [...out.values()];
}
