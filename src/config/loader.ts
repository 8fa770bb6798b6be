import * as path from 'node:path';
import type { FsLike, Root } from '../io/fs.js';
import type { Include, LoadedFile, Pos, Stmt } from './ast.js';
import { errorOf, kindOf, listDir, MAX_CONFIG_BYTES, readText, type Cause } from './files.js';
import { parseConfig } from './parser.js';
import { errorAt } from './source.js';

/** Longest chain of nested includes. Real configurations use two or three; a symlink loop would not end. */
export const MAX_INCLUDE_DEPTH = 32;
/** Most includes processed in one read: a file included twice at each of many levels would grow exponentially. */
export const MAX_INCLUDES = 10_000;
/**
 * Most files loaded in one read, every load counted (a directory's members, a file included again). An include
 * statement can name a directory: 1,000 includes of a 5,000-file directory are 5 million loads, which the
 * statement count alone let through (tens of seconds, gigabytes). Real configurations load tens of files.
 */
export const MAX_FILE_LOADS = 10_000;
/** Most bytes of configuration text loaded in one read, every load counted (a file included again counts again). */
export const MAX_LOADED_BYTES = 64 * 1024 * 1024;
/** Most directory entries listed by directory includes in one read (hidden names and sub-directories count too). */
export const MAX_DIR_ENTRIES = 100_000;
/** Deepest scope nesting across files (each file alone is held to the parser's own limit). */
export const MAX_TOTAL_DEPTH = 128;

interface Link {
  file: string;
  /** Where the including file named this one (absent for a top-level file). */
  at?: Pos;
}

/**
 * Reads configuration files and resolves their includes, recording each included file under its include node
 * (not pasting it) so that every value keeps its own file and line.
 *
 * - relative targets: the including file's directory first, then the search path;
 * - a directory: its files in alphabetical order, hidden names skipped, sub-directories not entered;
 * - a file included twice is read again at each place (later definitions override earlier ones);
 * - a cycle is MP104 naming the chain; a missing target is MP103 at the include.
 */
export class ConfigLoader {
  /** Every file read, in the order first read. */
  readonly files: string[] = [];
  /** File texts by Momentum path, for error frames of later stages; only files that may be quoted. */
  readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, { stmts: Stmt[]; bytes: number }>();
  private includes = 0;
  private loads = 0;
  private bytes = 0;
  private entries = 0;

  constructor(
    private readonly fs: FsLike,
    private readonly root: Root,
    private readonly searchPath: readonly string[],
  ) {}

  /** Load a top-level file (the configuration file, or the local changes file) with everything it includes. */
  loadTop(file: string): LoadedFile {
    return this.load(file, [{ file }], 0, undefined);
  }

  private load(file: string, chain: Link[], depth: number, cause: Cause | undefined): LoadedFile {
    if (++this.loads > MAX_FILE_LOADS) throw this.overBudget(`more than ${MAX_FILE_LOADS} files loaded`, cause);
    let p = this.parsed.get(file);
    if (!p) {
      // Read no more than the bytes left: a file that would overrun the budget is refused without being read whole.
      const left = MAX_LOADED_BYTES - this.bytes;
      if (left <= 0) throw this.overBudget(`more than ${MAX_LOADED_BYTES} bytes of configuration loaded`, cause);
      const budget = `it would take the configuration past ${MAX_LOADED_BYTES} bytes loaded`;
      const { text, quotable } = readText(this.fs, this.root, file, cause, Math.min(MAX_CONFIG_BYTES, left), left < MAX_CONFIG_BYTES ? budget : undefined);
      if (quotable) this.texts.set(file, text);
      this.files.push(file);
      p = { stmts: parseConfig(text, file, { quote: quotable }), bytes: text.length };
      this.parsed.set(file, p);
    } else if (this.bytes + p.bytes > MAX_LOADED_BYTES) {
      throw this.overBudget(`more than ${MAX_LOADED_BYTES} bytes of configuration loaded`, cause);
    }
    this.bytes += p.bytes;
    return { path: file, stmts: this.resolve(p.stmts, file, chain, depth) };
  }

  private overBudget(what: string, cause: Cause | undefined): Error {
    const message = `${what}: the configuration includes too much (files are counted at each include)`;
    return errorOf('MP104', message, cause);
  }

  /** A copy of `stmts` with every include's files attached (parsed trees are shared, so never mutated). */
  private resolve(stmts: Stmt[], file: string, chain: Link[], depth: number): Stmt[] {
    return stmts.map((s): Stmt => {
      if (s.kind === 'scope') {
        if (depth + 1 > MAX_TOTAL_DEPTH) {
          throw errorAt('MP101', `scopes nested deeper than ${MAX_TOTAL_DEPTH} levels across included files`, s.pos, this.texts.get(file));
        }
        return { ...s, body: this.resolve(s.body, file, chain, depth + 1) };
      }
      if (s.kind === 'include') return { ...s, files: this.include(s, file, chain, depth) };
      return s;
    });
  }

  private include(inc: Include, from: string, chain: Link[], depth: number): LoadedFile[] {
    const text = this.texts.get(from);
    const cause: Cause = { pos: inc.targetPos, text };
    if (++this.includes > MAX_INCLUDES) {
      throw errorAt('MP104', `more than ${MAX_INCLUDES} includes: the configuration includes files over and over`, inc.pos, text);
    }
    const out: LoadedFile[] = [];
    for (const target of this.targets(inc, from, cause)) {
      const seen = chain.findIndex((l) => l.file === target);
      if (seen >= 0) {
        const cycle = [...chain.slice(seen), { file: target, at: inc.pos }];
        throw errorAt('MP104', `include cycle: ${cycle.map((l) => l.file).join(' → ')}`, inc.targetPos, text, chainNotes(cycle));
      }
      if (chain.length >= MAX_INCLUDE_DEPTH) {
        throw errorAt('MP104', `includes nested deeper than ${MAX_INCLUDE_DEPTH} files`, inc.targetPos, text, chainNotes(chain));
      }
      out.push(this.load(target, [...chain, { file: target, at: inc.pos }], depth, cause));
    }
    return out;
  }

  /** The files an include names, in the order they are read. */
  private targets(inc: Include, from: string, cause: Cause): string[] {
    const found = this.find(inc.target, from, cause);
    if (!found) {
      const dirs = path.posix.isAbsolute(inc.target) ? [] : [path.posix.dirname(from), ...this.searchPath];
      const notes = dirs.length ? [`looked in: ${unique(dirs).join(', ')}`] : [];
      const kw = inc.readonly ? 'readonly_include' : 'include';
      throw errorAt('MP103', `${kw} target "${inc.target}" not found`, inc.targetPos, cause.text, notes);
    }
    if (found.kind === 'file' || found.kind === 'other') return [found.path];
    const files: string[] = [];
    const names = listDir(this.fs, this.root, found.path, cause, MAX_DIR_ENTRIES - this.entries);
    if (!names) throw this.overBudget(`more than ${MAX_DIR_ENTRIES} directory entries listed`, cause);
    this.entries += names.length;
    for (const name of names) {
      if (name.startsWith('.')) continue; // hidden files are skipped, as ecelerity does
      const p = path.posix.join(found.path, name);
      if (kindOf(this.fs, this.root, p, cause) === 'file') files.push(p); // sub-directories are not entered
    }
    return files;
  }

  private find(target: string, from: string, cause: Cause): { path: string; kind: 'file' | 'dir' | 'other' } | undefined {
    if (target === '') return undefined;
    const candidates = path.posix.isAbsolute(target)
      ? [path.posix.normalize(target)]
      : [path.posix.dirname(from), ...this.searchPath].map((d) => path.posix.resolve(d, target));
    for (const p of candidates) {
      const kind = kindOf(this.fs, this.root, p, cause);
      if (kind !== 'missing') return { path: p, kind };
    }
    return undefined;
  }
}

function chainNotes(chain: Link[]): string[] {
  return chain.flatMap((l) => (l.at ? [`${l.at.file}:${l.at.line} includes ${l.file}`] : []));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
