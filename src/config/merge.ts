import type { Assignment, LoadedFile, Pos, Stmt } from './ast.js';

/** An option's winning assignment, with the scope occurrence it was written in. */
export interface Setting {
  a: Assignment;
  /** Where the scope (stanza) holding the assignment starts; null in the global scope. */
  stanza: Pos | null;
  /** Order of the assignment over the whole read: a later one overrides an earlier one. */
  seq: number;
}

/**
 * A scope with every occurrence folded together: `Security { … }` written twice (in ecelerity.conf and again in
 * an included ecelerity-cluster.conf) is one MergedScope whose options are the later assignments.
 * Scopes are told apart by lower-cased type and by name as written (binding names are case-sensitive).
 */
export interface MergedScope {
  key: string;
  type: string;
  name: string | null;
  /** First occurrence; null for the global scope. */
  pos: Pos | null;
  parent: MergedScope | null;
  options: Map<string, Setting>;
  /** In order of first occurrence. */
  children: MergedScope[];
  childIndex: Map<string, MergedScope>;
}

function scope(key: string, type: string, name: string | null, pos: Pos | null, parent: MergedScope | null): MergedScope {
  return { key, type, name, pos, parent, options: new Map(), children: [], childIndex: new Map() };
}

/** Fold loaded files (the configuration, then the local changes file) into one tree, in reading order. */
export function mergeConfig(files: LoadedFile[]): MergedScope {
  const global = scope('', '', null, null, null);
  let seq = 0;
  const visit = (stmts: Stmt[], into: MergedScope, stanza: Pos | null): void => {
    for (const s of stmts) {
      if (s.kind === 'assign') {
        into.options.set(s.key, { a: s, stanza, seq: seq++ });
      } else if (s.kind === 'include') {
        for (const f of s.files ?? []) visit(f.stmts, into, stanza);
      } else {
        const id = `${s.key}\u0000${s.name ?? ''}\u0000${s.name === null ? 'anon' : 'named'}`;
        let child = into.childIndex.get(id);
        if (!child) {
          child = scope(s.key, s.type, s.name, s.pos, into);
          into.childIndex.set(id, child);
          into.children.push(child);
        }
        visit(s.body, child, s.pos);
      }
    }
  };
  for (const f of files) visit(f.stmts, global, null);
  return global;
}

/** Scopes below `s` (not `s` itself), depth first, in order of first occurrence. */
export function descendants(s: MergedScope): MergedScope[] {
  const out: MergedScope[] = [];
  const walk = (m: MergedScope): void => {
    for (const c of m.children) {
      out.push(c);
      walk(c);
    }
  };
  walk(s);
  return out;
}

/** `ESMTP_Listener > Listen ":25"`: how a person would find the scope in the file; `global` at the top. */
export function scopeLabel(s: MergedScope): string {
  const parts: string[] = [];
  for (let m: MergedScope | null = s; m && m.parent; m = m.parent) {
    parts.unshift(m.name === null ? m.type : `${m.type} "${m.name}"`);
  }
  return parts.length ? parts.join(' > ') : 'global';
}

/** The first scope with lower-cased type `key` among `s`'s ancestors and itself, nearest first. */
export function enclosing(s: MergedScope, key: string): MergedScope | undefined {
  for (let m: MergedScope | null = s; m; m = m.parent) if (m.key === key) return m;
  return undefined;
}
