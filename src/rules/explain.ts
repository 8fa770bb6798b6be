/**
 * `explain`: every rule that matches one path, what each asks, which wins per attribute, and the verdict
 * the audit would give. Pure over the bound rules and the entry (the command does the lstat).
 */
import * as path from 'node:path';
import type { UserDb } from '../io/users.js';
import { octal, type Entry, type Finding, type Verdict } from '../types.js';
import { boundSettings } from './describe.js';
import { expectationFor, type Expectation } from './expect.js';
import type { BoundRule, BoundRules } from './types.js';

/** The rule that decides one attribute, and what it expects. */
export interface Winner {
  attribute: 'type' | 'owner' | 'group' | 'mode.exact' | 'mode.max' | 'mode.min' | 'mode.deny' | 'setid';
  rule: string;
  expected: string;
}

export interface ExplainedRule {
  rule: string;
  /** The pattern as written (`@spool/**`) and as matched (`/var/spool/ecelerity/**`). */
  written: string;
  pattern: string;
  /** The configuration option a `@kind` rule was expanded from. */
  from: { option: string; source: string } | null;
  /** What the rule asks, names and settings resolved. */
  asks: string[];
  reason: string;
  /** The attributes this rule decides for the path. */
  wins: Winner['attribute'][];
  /** Why a matching rule does not apply, or null. */
  ignored: string | null;
}

export interface Explanation {
  path: string;
  entry: Entry | null;
  /** What the path has, as findings show it. */
  actual: { type: string; owner: string; group: string; mode: string; acl?: string } | null;
  /** Innermost declared tree holding the path, or null (the audit does not walk it; fix never changes it). */
  tree: string | null;
  /** Configuration options that name this path. */
  namedBy: { option: string; source: string; kind: string }[];
  rules: ExplainedRule[];
  winners: Winner[];
  /** The audit's verdict (null when the path does not exist). */
  verdict: Verdict | null;
  /** The verdict's findings, or `missing` when a rule requires the absent path. */
  findings: Finding[];
  /** What a fix would set, as findings show owner, group and mode; null when nothing is to change. */
  target: { owner: string; group: string; mode: string } | null;
}

function winnersOf(e: Expectation): Winner[] {
  const out: Winner[] = [];
  if (e.typeRule && e.type) out.push({ attribute: 'type', rule: e.typeRule.rule.id, expected: e.type });
  if (e.owner) out.push({ attribute: 'owner', rule: e.owner.rule.id, expected: e.owner.ownerText ?? String(e.uid) });
  if (e.group) out.push({ attribute: 'group', rule: e.group.rule.id, expected: e.group.groupText ?? String(e.gid) });
  const m = e.mode;
  if (m.exact) out.push({ attribute: 'mode.exact', rule: m.exact.tag.rule.id, expected: octal(m.exact.bits) });
  if (m.max) out.push({ attribute: 'mode.max', rule: m.max.tag.rule.id, expected: `at most ${octal(m.max.bits)}` });
  if (m.min) out.push({ attribute: 'mode.min', rule: m.min.tag.rule.id, expected: `at least ${octal(m.min.bits)}` });
  if (m.deny) out.push({ attribute: 'mode.deny', rule: m.deny.tag.rule.id, expected: `none of ${octal(m.deny.bits)}` });
  if (e.setidRule) out.push({ attribute: 'setid', rule: e.setidRule.rule.id, expected: e.setidAllowed ? 'allowed' : 'not allowed' });
  return out;
}

function winsOf(e: Expectation, b: BoundRule): Winner['attribute'][] {
  const out: Winner['attribute'][] = [];
  if (e.typeRule === b) out.push('type');
  if (e.owner === b) out.push('owner');
  if (e.group === b) out.push('group');
  if (e.mode.exact?.tag === b) out.push('mode.exact');
  if (e.mode.max?.tag === b) out.push('mode.max');
  if (e.mode.min?.tag === b) out.push('mode.min');
  if (e.mode.deny?.tag === b) out.push('mode.deny');
  if (e.setidRule === b) out.push('setid');
  return out;
}

/**
 * Explain one Momentum path. `entry` is what lstat saw, or null when the path does not exist (the
 * expectations are then shown for a regular file).
 */
export function explainPath(bound: BoundRules, p: string, entry: Entry | null, users: UserDb): Explanation {
  // With the package layer, a package file's own rule takes its place among them (src/package/).
  const matching = bound.packages?.layer?.resolve(p, entry?.type ?? 'file')?.rules ?? bound.bound.filter((b) => b.matches(p));
  const e = expectationFor(matching, entry?.type ?? 'file');
  const rootOwned = matching.some((b) => b.configPath === null && b.uid === 0);
  const trees = bound.rules.trees.map((t) => t.path).sort((a, b) => b.length - a.length);
  const tree = trees.find((t) => p === t || p.startsWith(t + '/')) ?? null;
  const verdict = entry ? bound.check(entry, path.posix.dirname(p)) : null;
  const req = bound.required.find((r) => r.path === p);
  const missing: Finding[] = req
    ? [{ path: p, check: 'missing', expected: 'exists', actual: 'missing', rule: req.rule, message: 'required path does not exist' }]
    : [];
  const userText = (uid: number): string => {
    const n = users.userById(uid)?.name;
    return n === undefined ? String(uid) : `${n} (${uid})`;
  };
  const groupText = (gid: number): string => {
    const n = users.groupById(gid)?.name;
    return n === undefined ? String(gid) : `${n} (${gid})`;
  };
  return {
    path: p,
    entry,
    actual: entry ? { type: entry.type, owner: userText(entry.uid), group: groupText(entry.gid), mode: octal(entry.mode) } : null,
    tree,
    namedBy: bound.config.paths.filter((cp) => path.posix.normalize(cp.path) === p).map((cp) => ({ option: cp.option, source: cp.source, kind: cp.kind })),
    rules: matching.map((b) => ({
      rule: b.rule.id,
      written: b.rule.pattern,
      pattern: b.pattern,
      from: b.configPath ? { option: b.configPath.option, source: b.configPath.source } : null,
      asks: boundSettings(b),
      reason: b.rule.reason,
      wins: winsOf(e, b),
      ignored: rootOwned && b.configPath !== null ? 'derived from the configuration, and a plain rule wants this path owned by root' : null,
    })),
    winners: winnersOf(e),
    verdict,
    findings: verdict ? verdict.findings : missing,
    target: verdict?.target ? { owner: userText(verdict.target.uid), group: groupText(verdict.target.gid), mode: octal(verdict.target.mode) } : null,
  };
}
