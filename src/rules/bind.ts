/**
 * Binding rules to one configuration and user database: `$user`/`$group` and names become ids, `$settings`
 * become mode bits, `@kind` patterns become the configuration's paths of that kind, and the declared trees,
 * the paths outside them and the required paths are worked out. The result carries `check`.
 *
 * The configuration is editable by the service user (MOMENTUM.md §7): everything taken from it here is
 * confined so that a root fix cannot be steered by it (see `claimRefusal`).
 */
import * as path from 'node:path';
import type { ConfigPath, MomentumConfig } from '../config/types.js';
import { MpError, type ErrorCode } from '../errors.js';
import type { UserDb } from '../io/users.js';
import { makeCheck } from './check.js';
import { compileGlob, escapeGlob, globMatches, GlobError, type Glob } from './glob.js';
import type { BoundRule, BoundRules, IdSpec, ModeConstraint, Rule, RuleSet, TreeDecl } from './types.js';

/** An error at the place in a rules file that a rule's key was written. */
function ruleError(rule: Rule, key: string, code: ErrorCode, message: string, notes: string[] = []): MpError {
  const at = rule.at;
  if (!at) return new MpError(code, `${message} (rule ${rule.id})`, { notes });
  return new MpError(code, message, {
    location: { file: at.file, line: at.line, column: at.columns[key] ?? at.columns['pattern'] ?? 1 },
    sourceLine: at.text,
    notes,
  });
}

function securityId(config: MomentumConfig, which: 'user' | 'group'): { name: string; id: number } {
  const ref = config.security[which];
  if (ref.id === null) {
    const where = ref.source === 'default' ? 'the default of the Security stanza' : `the Security stanza at ${ref.source}`;
    throw new MpError(which === 'user' ? 'MP105' : 'MP106', `unknown ${which} "${ref.name}" (named by ${where}): no ${which === 'user' ? 'passwd' : 'group'} entry`);
  }
  return { name: ref.name, id: ref.id };
}

interface Ids {
  user: { name: string; id: number };
  group: { name: string; id: number };
  users: UserDb;
}

function resolveId(rule: Rule, key: 'owner' | 'group', spec: IdSpec, ids: Ids): { id: number; text: string } {
  if (spec.kind === 'var') {
    const v = spec.name === 'user' ? ids.user : ids.group;
    return { id: v.id, text: `${v.name} (${v.id})` };
  }
  const db = ids.users;
  if (spec.kind === 'id') {
    const name = key === 'owner' ? db.userById(spec.id)?.name : db.groupById(spec.id)?.name;
    return { id: spec.id, text: name === undefined ? String(spec.id) : `${name} (${spec.id})` };
  }
  const found = key === 'owner' ? db.userByName(spec.name)?.uid : db.groupByName(spec.name)?.gid;
  if (found === undefined) {
    throw ruleError(rule, key, 'MP202', `${key}=${spec.name}: no such ${key === 'owner' ? 'user' : 'group'}`, [`looked up in ${db.describe}`]);
  }
  return { id: found, text: `${spec.name} (${found})` };
}

function resolveModes(rule: Rule, config: MomentumConfig): ModeConstraint[] {
  return rule.modes.map((c) => {
    if (c.setting === undefined) return c;
    const key = c.op === 'exact' ? (c.on === 'any' ? 'mode' : `${c.on}.mode`) : `${c.on === 'any' ? 'mode' : c.on}.${c.op}`;
    const s = config.settings[c.setting];
    if (s === undefined) {
      const known = Object.keys(config.settings).map((k) => '$' + k);
      throw ruleError(rule, key, 'MP202', `unknown setting $${c.setting}`, [`the configuration provides: ${known.join(', ') || 'none'}`]);
    }
    const text = s.value.trim();
    if (!/^0*[0-7]{1,4}$/.test(text)) {
      throw ruleError(rule, key, 'MP202', `$${c.setting} is "${s.value}" (${s.source}), not an octal mode`);
    }
    // The configuration is editable by the service user: a setting never asks for setuid, setgid or sticky.
    return { ...c, bits: parseInt(text, 8) & 0o777, from: { setting: c.setting, source: s.source } };
  });
}

/** Normalised Momentum path of a configuration path: `..` resolved, so prefix tests cannot be fooled. */
function normal(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function within(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(dir + '/');
}

/** The literal directory part of a configuration path (a template stops at its first `*`). */
function literalPart(cp: ConfigPath): string {
  const p = normal(cp.path);
  if (!cp.pattern) return p;
  const star = p.indexOf('*');
  if (star < 0) return p;
  return p.slice(0, Math.max(1, p.lastIndexOf('/', star)));
}

/**
 * Why a `@kind` expansion may not claim `claim` (the literal part of a configuration path), or null.
 * A compromised service user can edit the configuration; without this, `spoolbase = /opt/msys/ecelerity`
 * would make `@spool/** owner=$user` hand root's binaries, and the directories holding them, to that user.
 * (Claims inside a root-owned path are handled per entry: there the plain rules alone apply.)
 */
function claimRefusal(claim: string, protectedPaths: { path: string; rule: string }[], trees: readonly TreeDecl[]): string | null {
  if (!claim.startsWith('/')) return 'not an absolute path';
  for (const p of protectedPaths) {
    if (claim !== p.path && within(p.path, claim)) return `lies above ${p.path}, which ${p.rule} wants owned by root`;
  }
  for (const t of trees) if (claim !== t.path && within(t.path, claim)) return `lies above the declared tree ${t.path}`;
  return null;
}

/** Declared trees without duplicates (a later declaration wins) and without those inside another. */
function walkTrees(trees: readonly TreeDecl[]): { all: TreeDecl[]; top: TreeDecl[] } {
  const byPath = new Map<string, TreeDecl>();
  for (const t of trees) {
    byPath.delete(t.path);
    byPath.set(t.path, t);
  }
  const all = [...byPath.values()];
  const top = all.filter((t) => !all.some((o) => o !== t && within(t.path, o.path)));
  return { all, top };
}

function bindOne(rule: Rule, index: number, pattern: string, glob: Glob, cp: ConfigPath | null, ids: Ids, modes: ModeConstraint[]): BoundRule {
  const owner = rule.owner ? resolveId(rule, 'owner', rule.owner, ids) : null;
  const group = rule.group ? resolveId(rule, 'group', rule.group, ids) : null;
  // An exact or minimum mode that asks for setuid/setgid allows those bits where it applies.
  const asks = modes.some((c) => (c.op === 'exact' || c.op === 'min') && (c.bits & 0o6000) !== 0);
  const literal = glob.literal;
  return {
    rule,
    index,
    pattern,
    configPath: cp,
    uid: owner?.id ?? null,
    gid: group?.id ?? null,
    ownerText: owner?.text ?? null,
    groupText: group?.text ?? null,
    modes,
    setidAllowed: rule.setidAllowed ?? (asks ? true : undefined),
    glob,
    matches: literal !== null ? (p: string) => p === literal : (p: string) => globMatches(glob, p),
  };
}

/**
 * Whether the user and group databases (root's) agree that the configuration's group is the user's: its
 * primary group, or one that lists it as a member; never gid 0. Stops: `group = shadow`, `group = 0` or
 * any group the service user is not in, written into ecelerity.conf (the service account's), making a fix
 * give root's securecreds database (`owner=root group=$group`) to that group.
 */
function groupConfirmed(ids: Ids): boolean {
  if (ids.group.id === 0 || ids.user.id === 0) return false;
  const user = ids.users.userById(ids.user.id);
  if (user === undefined || user.name !== ids.user.name) return false;
  if (user.gid === ids.group.id) return true;
  return ids.users.groupById(ids.group.id)?.members?.includes(user.name) === true;
}

/**
 * Bind a rule set to a configuration and user database. Throws MpError: MP105/MP106 when the Security user
 * or group has no id, MP202 (at the rule) for an unknown user, group or `$setting`.
 */
export function bindRules(rules: RuleSet, config: MomentumConfig, users: UserDb): BoundRules {
  const ids: Ids = { user: securityId(config, 'user'), group: securityId(config, 'group'), users };
  const { all: trees, top } = walkTrees(rules.trees);
  const bound: BoundRule[] = [];
  const refused: BoundRules['refused'] = [];
  const required = new Map<string, string>();

  // Plain rules first: the paths they want owned by root limit what configuration paths may claim.
  const plain = new Map<number, BoundRule>();
  const protectedPaths: { path: string; rule: string }[] = [];
  rules.rules.forEach((rule, index) => {
    if (rule.pattern.startsWith('@')) return;
    const glob = compileGlob(rule.pattern);
    const b = bindOne(rule, index, rule.pattern, glob, null, ids, resolveModes(rule, config));
    plain.set(index, b);
    if (b.uid === 0) for (const p of glob.prefixes) protectedPaths.push({ path: p, rule: rule.id });
  });

  rules.rules.forEach((rule, index) => {
    const b = plain.get(index);
    if (b !== undefined) {
      bound.push(b);
      if (rule.required && b.glob.literal !== null) required.set(b.glob.literal, rule.id);
      return;
    }
    const slash = rule.pattern.indexOf('/');
    const kind = slash < 0 ? rule.pattern.slice(1) : rule.pattern.slice(1, slash);
    const rest = slash < 0 ? '' : rule.pattern.slice(slash);
    const modes = resolveModes(rule, config);
    for (const cp of config.paths) {
      if (cp.kind !== kind) continue;
      const claim = literalPart(cp);
      let because = claimRefusal(claim, protectedPaths, trees);
      // Outside every declared tree a configuration path is reported (`outside-tree`), never claimed:
      // `TLS_Key = /etc/shadow` must not make the audit ask for /etc/shadow to be owned by the service user.
      if (because === null && !trees.some((t) => within(claim, t.path))) continue;
      const base = normal(cp.path);
      // Template macros became `*`; `%{d}%{s}` gives `**`, which means one segment's worth here.
      const escaped = cp.pattern ? escapeGlob(base, true).replace(/\*+/g, '*') : escapeGlob(base);
      const pattern = (escaped === '/' ? '' : escaped) + rest;
      let glob: Glob | null = null;
      if (because === null) {
        try {
          glob = compileGlob(pattern);
        } catch (e) {
          if (!(e instanceof GlobError)) throw e;
          because = `not a usable path (${e.message})`;
        }
      }
      if (because !== null || glob === null) {
        refused.push({ rule: rule.id, configPath: cp, because: because ?? 'not a usable path' });
        continue;
      }
      bound.push(bindOne(rule, index, pattern, glob, cp, ids, modes));
      if (rule.required && !cp.pattern && glob.literal !== null) required.set(glob.literal, rule.id);
    }
  });

  const refusedPaths = new Set(refused.map((r) => r.configPath));
  const outside = config.paths.filter((cp) => refusedPaths.has(cp) || !trees.some((t) => within(literalPart(cp), t.path)));

  return {
    rules,
    config,
    user: ids.user,
    group: ids.group,
    groupConfirmed: groupConfirmed(ids),
    trees: top,
    outside,
    required: [...required].map(([p, rule]) => ({ path: p, rule })),
    bound,
    refused,
    check: makeCheck(bound, trees, users),
  };
}
