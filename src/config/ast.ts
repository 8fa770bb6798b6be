/**
 * The tree the parser builds from one ecelerity.conf-syntax file. Every node keeps its provenance (file, line,
 * column) so that derived values can say where they came from and errors can point at the text.
 *
 * Includes are recorded, not pasted: the loader attaches the files an include pulled in to its node.
 */

/** A place in a file: 1-based line and column (columns count UTF-16 code units, tabs count as one). */
export interface Pos {
  file: string;
  line: number;
  column: number;
}

/** A single value: a bareword (`ecuser`, `/var/spool/x`, `0640`) or a string (`"…"`, escapes decoded). */
export interface Scalar {
  kind: 'scalar';
  text: string;
  quoted: boolean;
  pos: Pos;
}

/** `( a "b", c )`: items in order; commas are optional separators. */
export interface List {
  kind: 'list';
  items: Value[];
  pos: Pos;
}

/** `[ key = value … ]`. */
export interface Dict {
  kind: 'dict';
  entries: { key: string; keyPos: Pos; value: Value }[];
  pos: Pos;
}

export type Value = Scalar | List | Dict;

/** `name = value`. `key` is the lower-cased name used for matching; `name` is as written. */
export interface Assignment {
  kind: 'assign';
  name: string;
  key: string;
  value: Value;
  pos: Pos;
}

/** `Type [name] { … }`. `key` is the lower-cased type; `name` keeps its case (binding names are case-sensitive). */
export interface Scope {
  kind: 'scope';
  type: string;
  key: string;
  name: string | null;
  body: Stmt[];
  pos: Pos;
  /** Where `=` was written between the type (and name) and `{`: `Esmtp_Listener = {`, `Replicate = "x" {}`. */
  equals?: Pos;
}

/** `include "target"` or `readonly_include "target"`; `files` is filled in by the loader. */
export interface Include {
  kind: 'include';
  readonly: boolean;
  target: string;
  /** Position of the target value (where "not found" points). */
  targetPos: Pos;
  pos: Pos;
  files?: LoadedFile[];
}

export type Stmt = Assignment | Scope | Include;

/** One file after parsing (and, once loaded, with its includes resolved). */
export interface LoadedFile {
  /** Momentum path of the file. */
  path: string;
  stmts: Stmt[];
}

/** `file:line`, the provenance string every value carries. */
export function sourceOf(pos: Pos): string {
  return `${pos.file}:${pos.line}`;
}
