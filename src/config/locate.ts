import * as os from 'node:os';
import * as path from 'node:path';
import { MpError } from '../errors.js';
import type { FsLike, Root } from '../io/fs.js';
import { parseEnvironment } from './environment.js';
import { kindOf, readText } from './files.js';
import { errorAt } from './source.js';

export const MOMENTUM_HOME = '/opt/msys/ecelerity';
export const ENVIRONMENT_FILE = '/opt/msys/ecelerity/etc/environment';
/** Momentum 3.x keeps ecelerity.conf directly in etc/, and searches there first. */
export const V3_DIR = '/opt/msys/ecelerity/etc';
export const V3_CONFIG = '/opt/msys/ecelerity/etc/ecelerity.conf';
export const V4_SEARCH_PATH = [
  '/opt/msys/ecelerity/etc/conf/global',
  '/opt/msys/ecelerity/etc/conf/{NODENAME}',
  '/opt/msys/ecelerity/etc/conf/default',
];

export interface Located {
  /** Momentum path of the top-level file. */
  file: string;
  version: '3.x' | '4.x';
  /** Directories searched for relative includes, after the including file's own directory. */
  searchPath: string[];
  /** How the file was chosen: `--config`, `CONFFILE`, `EC_CONF_SEARCH_PATH` or `search path`. */
  how: string;
}

export interface LocateOptions {
  configFile?: string;
  node?: string;
  /** EC_CONF_SEARCH_PATH from the process environment (colon-separated). */
  searchPath?: string;
}

/** Resolve a path named in configuration or the environment file: relative ones are taken from Momentum's home. */
export function resolveMomentumPath(p: string): string {
  return path.posix.resolve(MOMENTUM_HOME, p);
}

function expand(dirs: string[], node: string): string[] {
  return dirs.filter((d) => d !== '').map((d) => path.posix.resolve(MOMENTUM_HOME, d.split('{NODENAME}').join(node)));
}

function versionOf(file: string): '3.x' | '4.x' {
  return file === V3_CONFIG ? '3.x' : '4.x';
}

/**
 * Find the ecelerity.conf ecelerity would read: `--config`, else `CONFFILE=` in the environment file, else the
 * first directory of the search path holding an ecelerity.conf. The search path is `EC_CONF_SEARCH_PATH` (from
 * the process, else from the environment file) or the 3.x one (etc/ first) followed by the 4.x one.
 * Throws MP100 when nothing is found.
 */
export function locateConfig(fs: FsLike, root: Root, opts: LocateOptions): Located {
  const node = opts.node ?? os.hostname();
  const envFile = kindOf(fs, root, ENVIRONMENT_FILE) === 'file' ? readText(fs, root, ENVIRONMENT_FILE) : { text: '', quotable: true };
  const env = parseEnvironment(envFile.text, ENVIRONMENT_FILE);
  const custom = opts.searchPath ?? env.get('EC_CONF_SEARCH_PATH')?.value;
  const v4 = expand(custom !== undefined && custom !== '' ? custom.split(':') : V4_SEARCH_PATH, node);
  const searchFor = (file: string): string[] => (versionOf(file) === '3.x' ? [V3_DIR, ...v4] : v4);

  if (opts.configFile !== undefined) {
    // A relative --config means what the person typed: relative to the working directory, unless a --root
    // makes the working directory meaningless, where it is taken from the root's `/`.
    const file = path.posix.resolve(root.dir === '/' ? process.cwd() : '/', opts.configFile);
    if (kindOf(fs, root, file) !== 'file') throw new MpError('MP100', `configuration file ${file} (--config) not found`);
    return { file, version: versionOf(file), searchPath: searchFor(file), how: '--config' };
  }

  const conffile = env.get('CONFFILE');
  if (conffile && conffile.value !== '') {
    const file = resolveMomentumPath(conffile.value);
    if (kindOf(fs, root, file) !== 'file') {
      throw errorAt('MP100', `configuration file ${file} named by CONFFILE not found`, conffile.pos, envFile.quotable ? envFile.text : undefined);
    }
    return { file, version: versionOf(file), searchPath: searchFor(file), how: 'CONFFILE' };
  }

  const candidates = custom !== undefined && custom !== '' ? v4 : [V3_DIR, ...v4];
  for (const dir of candidates) {
    const file = path.posix.join(dir, 'ecelerity.conf');
    if (kindOf(fs, root, file) === 'file') {
      return { file, version: versionOf(file), searchPath: searchFor(file), how: custom ? 'EC_CONF_SEARCH_PATH' : 'search path' };
    }
  }
  throw new MpError('MP100', 'no ecelerity.conf found on the search path', {
    notes: [`searched: ${candidates.join(':')}`, 'name the file with --config FILE'],
  });
}
