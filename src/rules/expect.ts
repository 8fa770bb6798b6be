/**
 * What the rules expect of one entry: the matching rules folded, in the order they apply, into one
 * expectation per attribute (the last rule that sets an attribute wins). Computed once per directory and
 * entry type in the audit's common case, so it may take its time; the per-entry test uses only its numbers.
 */
import type { EntryType } from '../types.js';
import { appliesTo, applyMode, emptyModeState, hasMode, modeMasks, type ModeState } from './modes.js';
import type { BoundRule } from './types.js';

export interface Expectation {
  /** Expected ids, -1 when no rule sets them. */
  uid: number;
  gid: number;
  owner: BoundRule | null;
  group: BoundRule | null;
  mode: ModeState<BoundRule>;
  /** A mode rule applies (never for symlinks: their mode means nothing and cannot be changed on Linux). */
  hasMode: boolean;
  /** Bits that must be clear and bits that must be set (see modeMasks). */
  forbidden: number;
  required: number;
  type: EntryType | null;
  typeRule: BoundRule | null;
  setidAllowed: boolean;
  setidRule: BoundRule | null;
  /** Some matching rule names the entry's own type (FIFOs, sockets, devices are only changed then). */
  typeNamed: boolean;
  /**
   * The expected owner (group) comes from `@kind` rules alone: no plain rule matching the entry asks for
   * the same id. The configuration (the service account's) then is the only source naming this path.
   */
  ownerFromConfig: boolean;
  groupFromConfig: boolean;
}

/** Fold the rules that match an entry of `type`, given in the order they apply. */
export function expectationFor(rules: readonly BoundRule[], type: EntryType): Expectation {
  const e: Expectation = {
    uid: -1,
    gid: -1,
    owner: null,
    group: null,
    mode: emptyModeState<BoundRule>(),
    hasMode: false,
    forbidden: 0,
    required: 0,
    type: null,
    typeRule: null,
    setidAllowed: false,
    setidRule: null,
    typeNamed: false,
    ownerFromConfig: false,
    groupFromConfig: false,
  };
  const cls = type === 'dir' ? 'dir' : 'file';
  // Where a plain rule wants the entry owned by root, rules derived from the configuration (which the
  // service user can edit) do not apply: `pidfile = /opt/msys/ecelerity/sbin/ecelerity` must not make
  // `@pidfile owner=$user` hand root's binary to that user.
  const rootOwned = rules.some((r) => r.configPath === null && r.uid === 0);
  for (const r of rules) {
    if (rootOwned && r.configPath !== null) continue;
    if (r.uid !== null) {
      e.uid = r.uid;
      e.owner = r;
    }
    if (r.gid !== null) {
      e.gid = r.gid;
      e.group = r;
    }
    const t = r.rule.type;
    if (t !== undefined) {
      e.type = t;
      e.typeRule = r;
      if (t === type) e.typeNamed = true;
    }
    if (r.setidAllowed !== undefined) {
      e.setidAllowed = r.setidAllowed;
      e.setidRule = r;
    }
    if (type === 'symlink') continue;
    for (const c of r.modes) if (appliesTo(c, cls)) applyMode(e.mode, c, r);
  }
  e.ownerFromConfig = e.owner !== null && e.owner.configPath !== null && !rules.some((r) => r.configPath === null && r.uid === e.uid);
  e.groupFromConfig = e.group !== null && e.group.configPath !== null && !rules.some((r) => r.configPath === null && r.gid === e.gid);
  e.hasMode = hasMode(e.mode);
  const m = modeMasks(e.mode);
  e.forbidden = m.forbidden;
  e.required = m.required;
  return e;
}

/** The mode rules an entry's mode breaks, latest last (what a mode finding cites). */
export function failingModeRules(e: Expectation, mode: number): BoundRule[] {
  const st = e.mode;
  const out: BoundRule[] = [];
  if (st.exact && (mode & 0o7777) !== st.exact.bits) out.push(st.exact.tag);
  if (st.max && mode & ~st.max.bits & 0o7777) out.push(st.max.tag);
  if (st.deny && mode & st.deny.bits) out.push(st.deny.tag);
  if (st.min && (mode & e.required) !== e.required) out.push(st.min.tag);
  return out.sort((a, b) => a.index - b.index);
}
