/**
 * The rules file parser: text in, rules and tree declarations out, nothing read or resolved (names and
 * `$settings` are resolved when binding). Every error is an MpError with file:line:column and the line.
 *
 *     tree /var/spool/ecelerity  spool
 *     @spool/**  owner=$user group=$group file.max=$spool_mode dir.max=0750  reason="…"
 */
import { MpError, type ErrorCode } from '../errors.js';
import { PATH_KINDS, type PathKind } from '../config/types.js';
import { ENTRY_TYPES, octal, type EntryType } from '../types.js';
import { compileGlob, GlobError, hasWildcard } from './glob.js';
import { UnterminatedString, words, type Word } from './lex.js';
import { appliesTo, applyMode, emptyModeState, modeMasks, type ModeClass } from './modes.js';
import type { IdSpec, ModeConstraint, Rule, RuleOrigin, TreeDecl } from './types.js';

const MODE_KEYS: Record<string, Pick<ModeConstraint, 'on' | 'op'>> = {
  mode: { on: 'any', op: 'exact' },
  'mode.max': { on: 'any', op: 'max' },
  'mode.min': { on: 'any', op: 'min' },
  'mode.deny': { on: 'any', op: 'deny' },
  'file.mode': { on: 'file', op: 'exact' },
  'file.max': { on: 'file', op: 'max' },
  'file.min': { on: 'file', op: 'min' },
  'file.deny': { on: 'file', op: 'deny' },
  'dir.mode': { on: 'dir', op: 'exact' },
  'dir.max': { on: 'dir', op: 'max' },
  'dir.min': { on: 'dir', op: 'min' },
  'dir.deny': { on: 'dir', op: 'deny' },
};
const VALUE_KEYS = ['owner', 'group', 'type', 'setid', 'reason', ...Object.keys(MODE_KEYS)];
const FLAGS = ['required'];
const MAX_ID = 4294967294;

/** What the parser knows about the line it is reading, to place errors. */
interface LineCtx {
  file: string;
  line: number;
  text: string;
}

function fail(ctx: LineCtx, code: ErrorCode, index: number, message: string, notes: string[] = []): never {
  throw new MpError(code, message, {
    location: { file: ctx.file, line: ctx.line, column: index + 1 },
    sourceLine: ctx.text,
    notes,
  });
}

function parseId(ctx: LineCtx, key: 'owner' | 'group', value: string, at: number): IdSpec {
  const own = key === 'owner' ? 'user' : 'group';
  if (value === `$${own}`) return { kind: 'var', name: own };
  if (value.startsWith('$')) {
    fail(ctx, 'MP202', at, `${key}=${value}: only $${own} (the Security stanza's ${own}) can be used here`);
  }
  if (/^\d+$/.test(value)) {
    const id = Number(value);
    if (id > MAX_ID) fail(ctx, 'MP202', at, `${key}=${value}: an id must be at most ${MAX_ID}`);
    return { kind: 'id', id };
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(value)) {
    fail(ctx, 'MP202', at, `${key}=${value}: expected $${own}, a ${own} name or a numeric id`);
  }
  return { kind: 'name', name: value };
}

function parseMode(ctx: LineCtx, key: string, value: string, at: number): ModeConstraint {
  const shape = MODE_KEYS[key] as Pick<ModeConstraint, 'on' | 'op'>;
  if (/^0?[0-7]{1,4}$/.test(value)) return { ...shape, bits: parseInt(value, 8) };
  if (/^\$[a-z][a-z0-9_]*$/.test(value)) return { ...shape, bits: 0, setting: value.slice(1) };
  return fail(ctx, 'MP202', at, `${key}=${value}: expected an octal mode of at most four digits (0640) or a $setting`);
}

/** Check a pattern (`/…` or `@kind/…`); returns the kind when it has one. */
function checkPattern(ctx: LineCtx, w: Word): PathKind | null {
  const p = w.text;
  const base = w.start + (w.quoted ? 1 : 0);
  let kind: PathKind | null = null;
  let glob = p;
  let shift = 0;
  if (p.startsWith('@')) {
    const slash = p.indexOf('/');
    const name = slash < 0 ? p.slice(1) : p.slice(1, slash);
    if (!(PATH_KINDS as readonly string[]).includes(name)) {
      fail(ctx, 'MP202', base, `unknown configuration kind @${name}`, [`kinds: ${PATH_KINDS.map((k) => '@' + k).join(', ')}`]);
    }
    kind = name as PathKind;
    if (slash < 0) return kind;
    glob = p.slice(slash);
    shift = slash;
  } else if (!p.startsWith('/')) {
    fail(ctx, 'MP202', base, `"${p}" is not an absolute path: a rule starts with /… or a configuration kind such as @spool`);
  }
  try {
    compileGlob(glob);
  } catch (e) {
    if (e instanceof GlobError) fail(ctx, 'MP202', base + shift + e.offset, `invalid pattern: ${e.message}`);
    throw e;
  }
  return kind;
}

/** A rule must not contradict itself: an at-least that a max or deny of the same rule forbids. */
function checkConsistent(ctx: LineCtx, modes: ModeConstraint[], keyAt: Map<ModeConstraint, number>): void {
  for (const cls of ['file', 'dir'] as ModeClass[]) {
    const st = emptyModeState<ModeConstraint>();
    for (const c of modes) if (appliesTo(c, cls) && c.setting === undefined) applyMode(st, c, c);
    const { conflict } = modeMasks(st);
    if (conflict !== 0 && st.min) {
      const what = cls === 'dir' ? 'directories' : 'files';
      fail(ctx, 'MP202', keyAt.get(st.min.tag) ?? 0, `for ${what}, at least ${octal(st.min.bits)} asks for bits ${octal(conflict)} that this rule forbids`);
    }
  }
}

function parseTree(ctx: LineCtx, ws: Word[], origin: RuleOrigin): TreeDecl {
  const w = ws[1];
  if (!w) return fail(ctx, 'MP201', ctx.text.length, 'expected the path of the tree after "tree"');
  // A tree is where a root fix may change files; the configuration is editable by the service user.
  if (w.text.startsWith('@')) fail(ctx, 'MP202', w.start, 'a tree must be written out: a configuration path (@kind) cannot declare one');
  if (w.text === '/') fail(ctx, 'MP202', w.start, 'the root directory cannot be a tree');
  checkPattern(ctx, w);
  if (hasWildcard(w.text)) fail(ctx, 'MP202', w.start, 'a tree is one exact path, without wildcards');
  let spool = false;
  for (const extra of ws.slice(2)) {
    if (extra.text !== 'spool' || spool) fail(ctx, 'MP201', extra.start, `unexpected "${extra.text}": a tree line is "tree PATH" or "tree PATH spool"`);
    spool = true;
  }
  return { path: compileGlob(w.text).literal as string, id: `${ctx.file}:${ctx.line}`, origin, spool };
}

/** Split `key=value` and check its shape (not yet its value): a known key, a value where one is needed. */
function keyOf(ctx: LineCtx, w: Word): { key: string; value: string; at: number } {
  const key = w.eq < 0 ? w.text : w.text.slice(0, w.eq);
  const value = w.eq < 0 ? '' : w.text.slice(w.eq + 1);
  if (FLAGS.includes(key)) {
    if (w.eq >= 0) fail(ctx, 'MP201', w.start + w.eq, `"${key}" takes no value`);
  } else if (!VALUE_KEYS.includes(key)) {
    fail(ctx, 'MP201', w.start, `unknown key "${key}"`, [`keys: ${[...VALUE_KEYS, ...FLAGS].join(', ')}`]);
  } else if (w.eq < 0) {
    fail(ctx, 'MP201', w.start + w.text.length, `expected "=" and a value after "${key}"`);
  } else if (value === '' && key !== 'reason') {
    fail(ctx, 'MP201', w.valueStart, `expected a value after "${key}="`);
  }
  return { key, value, at: w.eq < 0 ? w.start : w.valueStart };
}

/** Read one key's value into the rule; mode constraints are returned for the consistency check. */
function applyKey(ctx: LineCtx, rule: Rule, key: string, value: string, at: number): ModeConstraint | null {
  if (key === 'owner' || key === 'group') rule[key] = parseId(ctx, key, value, at);
  else if (key === 'type') {
    if (!(ENTRY_TYPES as readonly string[]).includes(value)) fail(ctx, 'MP202', at, `type=${value}: expected one of ${ENTRY_TYPES.join(', ')}`);
    rule.type = value as EntryType;
  } else if (key === 'setid') {
    if (value !== 'allow' && value !== 'deny') fail(ctx, 'MP202', at, `setid=${value}: expected setid=allow or setid=deny`);
    rule.setidAllowed = value === 'allow';
  } else if (key === 'reason') rule.reason = value;
  else if (key === 'required') {
    const p = rule.pattern;
    const rest = p.startsWith('@') ? p.slice(p.indexOf('/') + 1 || p.length) : p;
    if (hasWildcard(rest)) fail(ctx, 'MP202', at, '"required" needs one exact path, and this pattern has wildcards');
    rule.required = true;
  } else {
    const c = parseMode(ctx, key, value, at);
    rule.modes.push(c);
    return c;
  }
  return null;
}

function parseRule(ctx: LineCtx, ws: Word[], origin: RuleOrigin): Rule {
  const head = ws[0] as Word;
  if (!head.text.startsWith('/') && !head.text.startsWith('@') && !head.text.includes('/') && head.eq < 0) {
    fail(ctx, 'MP201', head.start, `unknown directive "${head.text}": a line is a rule (a path or @kind, then key=value…) or "tree PATH"`);
  }
  checkPattern(ctx, head);
  const rule: Rule = { id: `${ctx.file}:${ctx.line}`, origin, pattern: head.text, modes: [], reason: '' };
  const columns: Record<string, number> = { pattern: head.start + 1 };
  const keyAt = new Map<ModeConstraint, number>();
  for (const w of ws.slice(1)) {
    const { key, value, at } = keyOf(ctx, w);
    if (columns[key] !== undefined) fail(ctx, 'MP201', w.start, `"${key}" is given twice in one rule`);
    columns[key] = at + 1;
    const c = applyKey(ctx, rule, key, value, at);
    if (c) keyAt.set(c, at);
  }
  // General before specific: in `mode.max=0755 file.max=0644` the file key wins for files.
  rule.modes.sort((a, b) => Number(a.on !== 'any') - Number(b.on !== 'any'));
  checkConsistent(ctx, rule.modes, keyAt);
  const sets = rule.owner || rule.group || rule.type || rule.modes.length > 0 || rule.setidAllowed !== undefined || rule.required;
  if (!sets) fail(ctx, 'MP201', head.start, 'this rule checks nothing: give owner=, group=, type=, a mode key, setid= or required');
  rule.at = { file: ctx.file, line: ctx.line, text: ctx.text, columns };
  return rule;
}

/**
 * Parse a rules file. `file` is how rule ids cite it (`rules/4.x.rules`, `/etc/momentum-perms/local.rules`);
 * ids are `file:line`. Pure. Throws MpError MP201 (the line cannot be read) or MP202 (a value is invalid).
 */
export function parseRules(text: string, file: string, origin: RuleOrigin): { rules: Rule[]; trees: TreeDecl[] } {
  const rules: Rule[] = [];
  const trees: TreeDecl[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const ctx: LineCtx = { file, line: i + 1, text: (lines[i] as string).replace(/\r$/, '') };
    let ws: Word[];
    try {
      ws = words(ctx.text);
    } catch (e) {
      if (e instanceof UnterminatedString) fail(ctx, 'MP201', e.index, e.message);
      throw e;
    }
    const head = ws[0];
    if (!head) continue;
    if (head.text === 'tree' && !head.quoted) trees.push(parseTree(ctx, ws, origin));
    else rules.push(parseRule(ctx, ws, origin));
  }
  return { rules, trees };
}
