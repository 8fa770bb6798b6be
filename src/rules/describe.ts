/** Rules as an administrator reads them, for `momentum-perms rules` and `explain`. */
import { constraintText } from './modes.js';
import type { BoundRule, IdSpec, Rule } from './types.js';

function idSpecText(spec: IdSpec): string {
  if (spec.kind === 'var') return '$' + spec.name;
  return spec.kind === 'id' ? String(spec.id) : spec.name;
}

/** The keys of a rule as written: `owner=$user`, `file.max=$spool_mode`, `required`. */
export function writtenSettings(rule: Rule): string[] {
  const out: string[] = [];
  if (rule.type) out.push(`type=${rule.type}`);
  if (rule.owner) out.push(`owner=${idSpecText(rule.owner)}`);
  if (rule.group) out.push(`group=${idSpecText(rule.group)}`);
  for (const c of rule.modes) out.push(constraintText(c));
  if (rule.setidAllowed !== undefined) out.push(`setid=${rule.setidAllowed ? 'allow' : 'deny'}`);
  if (rule.required) out.push('required');
  return out;
}

/** The keys of a bound rule with names and settings resolved: `owner=ecuser (500)`, `file.max=0640 ($spool_mode from default)`. */
export function boundSettings(b: BoundRule): string[] {
  const out: string[] = [];
  const rule = b.rule;
  if (rule.type) out.push(`type=${rule.type}`);
  if (b.ownerText !== null) out.push(`owner=${b.ownerText}`);
  if (b.groupText !== null) out.push(`group=${b.groupText}`);
  for (const c of b.modes) out.push(constraintText(c));
  if (b.setidAllowed !== undefined) out.push(`setid=${b.setidAllowed ? 'allow' : 'deny'}${rule.setidAllowed === undefined ? ' (asked by the mode)' : ''}`);
  if (rule.required) out.push('required');
  return out;
}
