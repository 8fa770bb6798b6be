/**
 * How mode constraints combine, shared by the parser (to reject a rule that contradicts itself), the
 * compare step and `explain`, so that all three agree.
 *
 * For one class of entry (directories, or everything else), constraints are taken in the order rules apply:
 * a later constraint of the same kind (exact, max, min, deny) replaces the earlier one; an exact mode
 * replaces every earlier constraint, and a later max/min/deny replaces an earlier exact mode (so that a local
 * rule can loosen a shipped exact mode to a range).
 */
import { octal } from '../types.js';
import type { ModeConstraint } from './types.js';

/** The two classes mode constraints distinguish: `dir.` keys apply to directories, `file.` keys to the rest. */
export type ModeClass = 'file' | 'dir';

export interface Slot<T> {
  bits: number;
  tag: T;
}

/** The winning constraint of each kind, each with what it came from (a rule, a key). */
export interface ModeState<T> {
  exact: Slot<T> | null;
  max: Slot<T> | null;
  min: Slot<T> | null;
  deny: Slot<T> | null;
}

export function emptyModeState<T>(): ModeState<T> {
  return { exact: null, max: null, min: null, deny: null };
}

/** The constraint applies to entries of this class. */
export function appliesTo(c: ModeConstraint, cls: ModeClass): boolean {
  return c.on === 'any' || c.on === cls;
}

/** Fold one constraint into the state (the caller has checked that it applies). */
export function applyMode<T>(st: ModeState<T>, c: ModeConstraint, tag: T): void {
  const slot = { bits: c.bits, tag };
  if (c.op === 'exact') {
    st.exact = slot;
    st.max = st.min = st.deny = null;
    return;
  }
  st.exact = null;
  st[c.op] = slot;
}

/**
 * The state as two masks: bits that must be clear and bits that must be set. When a minimum asks for a bit
 * that a maximum or deny forbids, forbidding wins (`conflict` holds those bits): a rule never grants access
 * another rule takes away.
 */
export function modeMasks<T>(st: ModeState<T>): { forbidden: number; required: number; conflict: number } {
  if (st.exact) return { forbidden: ~st.exact.bits & 0o7777, required: st.exact.bits, conflict: 0 };
  const forbidden = (st.max ? ~st.max.bits & 0o7777 : 0) | (st.deny ? st.deny.bits : 0);
  const min = st.min ? st.min.bits : 0;
  return { forbidden, required: min & ~forbidden, conflict: min & forbidden };
}

export function hasMode<T>(st: ModeState<T>): boolean {
  return st.exact !== null || st.max !== null || st.min !== null || st.deny !== null;
}

/** `0640`, or `at most 0750, none of 0022`: how findings and `explain` show an expectation. */
export function modeText<T>(st: ModeState<T>): string {
  if (st.exact) return octal(st.exact.bits);
  const parts: string[] = [];
  if (st.max) parts.push(`at most ${octal(st.max.bits)}`);
  if (st.min) parts.push(`at least ${octal(st.min.bits)}`);
  if (st.deny) parts.push(`none of ${octal(st.deny.bits)}`);
  return parts.join(', ');
}

/** One constraint as an administrator reads it: `file.max=0640`. */
export function constraintText(c: ModeConstraint): string {
  const key = c.op === 'exact' ? `${c.on === 'any' ? '' : c.on + '.'}mode` : `${c.on === 'any' ? 'mode' : c.on}.${c.op}`;
  const value = c.setting !== undefined && c.from === undefined ? `$${c.setting}` : octal(c.bits);
  return `${key}=${value}${c.from ? ` ($${c.from.setting} from ${c.from.source})` : ''}`;
}

/** The mode `m` satisfies the masks. */
export function modeOk(m: number, forbidden: number, required: number): boolean {
  return (m & forbidden) === 0 && (m & required) === required;
}

/** The nearest mode to `m` that satisfies the masks: forbidden bits cleared, required bits set. */
export function modeTarget(m: number, forbidden: number, required: number): number {
  return ((m & ~forbidden) | required) & 0o7777;
}
