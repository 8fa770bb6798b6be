/**
 * The compare step: an entry and what the rules expect of it in, a Verdict out. Pure over data (the user
 * database answers are cached). The common case, a compliant entry, costs a few integer comparisons and one
 * small object; findings are only built when something is wrong.
 */
import type { UserDb } from '../io/users.js';
import { octal, type Entry, type Finding, type Target, type Verdict } from '../types.js';
import { failingModeRules, type Expectation } from './expect.js';
import { modeOk, modeTarget, modeText } from './modes.js';
import type { BoundRule } from './types.js';

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const SETID = S_ISUID | S_ISGID;
const S_ISVTX = 0o1000;
const S_IWOTH = 0o002;

/** Shared by every compliant verdict: frozen so that no consumer can add to it by mistake. */
export const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];

/** Names and existence of ids, asked once per id. */
export interface IdCache {
  uidKnown(uid: number): boolean;
  gidKnown(gid: number): boolean;
  userText(uid: number): string;
  groupText(gid: number): string;
}

/** An IdCache over a user database. */
export function idCache(users: UserDb): IdCache {
  const userNames = new Map<number, string | null>();
  const groupNames = new Map<number, string | null>();
  let lastUid = -1;
  let lastGid = -1;
  const user = (uid: number): string | null => {
    let n = userNames.get(uid);
    if (n === undefined) userNames.set(uid, (n = users.userById(uid)?.name ?? null));
    return n;
  };
  const group = (gid: number): string | null => {
    let n = groupNames.get(gid);
    if (n === undefined) groupNames.set(gid, (n = users.groupById(gid)?.name ?? null));
    return n;
  };
  return {
    uidKnown(uid) {
      if (uid === lastUid) return true;
      if (user(uid) === null) return false;
      lastUid = uid;
      return true;
    },
    gidKnown(gid) {
      if (gid === lastGid) return true;
      if (group(gid) === null) return false;
      lastGid = gid;
      return true;
    },
    userText: (uid) => {
      const n = user(uid);
      return n === null ? String(uid) : `${n} (${uid})`;
    },
    groupText: (gid) => {
      const n = group(gid);
      return n === null ? String(gid) : `${n} (${gid})`;
    },
  };
}

/** True when the entry breaks nothing: the hot path, kept to integer tests. */
function compliant(e: Expectation, entry: Entry, ids: IdCache): boolean {
  const m = entry.mode;
  if (e.uid >= 0 && entry.uid !== e.uid) return false;
  if (e.gid >= 0 && entry.gid !== e.gid) return false;
  if (e.hasMode && !modeOk(m, e.forbidden, e.required)) return false;
  if (e.type !== null && e.type !== entry.type) return false;
  if (entry.type !== 'symlink') {
    if (m & SETID && !e.setidAllowed) return false;
    if ((m & (S_IWOTH | S_ISVTX)) === S_IWOTH) return false;
  }
  return ids.uidKnown(entry.uid) && ids.gidKnown(entry.gid);
}

function finding(entry: Entry, check: Finding['check'], expected: string | null, actual: string, rule: string, message: string): Finding {
  return { path: entry.path, check, expected, actual, rule, message };
}

function setidWord(m: number): string {
  if ((m & SETID) === SETID) return 'setuid and setgid bits';
  return m & S_ISUID ? 'setuid bit' : 'setgid bit';
}

/** Every finding, the target and the rule behind it, for an entry that is not compliant. */
function drifted(e: Expectation, entry: Entry, tree: string | null, ids: IdCache): Verdict {
  const out: Finding[] = [];
  const m = entry.mode;
  // The rules behind the owner/group/mode changes; the verdict cites the one that applies last.
  const behind: BoundRule[] = [];
  if (e.type !== null && e.type !== entry.type && e.typeRule) {
    out.push(finding(entry, 'type', e.type, entry.type, e.typeRule.rule.id, `a ${entry.type} where the rules expect a ${e.type}`));
  }
  if (e.uid >= 0 && entry.uid !== e.uid && e.owner) {
    const want = e.owner.ownerText ?? String(e.uid);
    const have = ids.userText(entry.uid);
    out.push(finding(entry, 'owner', want, have, e.owner.rule.id, `owner is ${have}, expected ${want}`));
    behind.push(e.owner);
  }
  if (e.gid >= 0 && entry.gid !== e.gid && e.group) {
    const want = e.group.groupText ?? String(e.gid);
    const have = ids.groupText(entry.gid);
    out.push(finding(entry, 'group', want, have, e.group.rule.id, `group is ${have}, expected ${want}`));
    behind.push(e.group);
  }
  let mode = m;
  if (e.hasMode && !modeOk(m, e.forbidden, e.required)) {
    const failing = failingModeRules(e, m);
    const latest = failing[failing.length - 1];
    const want = modeText(e.mode);
    if (latest) {
      out.push(finding(entry, 'mode', want, octal(m), latest.rule.id, `mode ${octal(m)}, expected ${want}`));
      behind.push(...failing);
    }
    mode = modeTarget(m, e.forbidden, e.required);
  }
  if (!ids.uidKnown(entry.uid)) {
    out.push(finding(entry, 'orphan', null, `uid ${entry.uid}`, 'builtin:orphan', `owner uid ${entry.uid} has no passwd entry (a user removed, or re-created with a new id?)`));
  }
  if (!ids.gidKnown(entry.gid)) {
    out.push(finding(entry, 'orphan', null, `gid ${entry.gid}`, 'builtin:orphan', `group gid ${entry.gid} has no group entry (a group removed, or re-created with a new id?)`));
  }
  if (entry.type !== 'symlink') {
    if (m & SETID && !e.setidAllowed) {
      const what = setidWord(m);
      out.push(finding(entry, 'setid', 'no setuid or setgid bit', octal(m), e.setidRule?.rule.id ?? 'builtin:setid', `${what} set and no rule allows it`));
    }
    if ((m & (S_IWOTH | S_ISVTX)) === S_IWOTH) {
      out.push(finding(entry, 'world-writable', 'not writable by others, or the sticky bit', octal(m), 'builtin:world-writable', 'writable by every user, without the sticky bit'));
    }
  }
  const uid = e.uid >= 0 ? e.uid : entry.uid;
  const gid = e.gid >= 0 ? e.gid : entry.gid;
  const target: Target | null = uid !== entry.uid || gid !== entry.gid || mode !== m ? { uid, gid, mode } : null;
  const last = behind.reduce<BoundRule | null>((a, r) => (a === null || r.index > a.index ? r : a), null);
  return {
    entry,
    findings: out,
    target,
    rule: target === null || last === null ? null : last.rule.id,
    tree,
    typeNamedByRule: e.typeNamed,
    setidAllowed: e.setidAllowed,
    claimedByConfig: (uid !== entry.uid && e.ownerFromConfig) || (gid !== entry.gid && e.groupFromConfig),
  };
}

/** The compare step for one entry: its verdict, given what the rules expect of it and the declared tree it is in. */
export function compareEntry(e: Expectation, entry: Entry, tree: string | null, ids: IdCache): Verdict {
  if (compliant(e, entry, ids)) {
    return { entry, findings: NO_FINDINGS, target: null, rule: null, tree, typeNamedByRule: e.typeNamed, setidAllowed: e.setidAllowed };
  }
  return drifted(e, entry, tree, ids);
}
