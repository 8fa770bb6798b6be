/**
 * `verify`: rpm -V's question ("is each package file as the package laid it down?"), answered with the
 * Security stanza and the rules: for each Momentum package file, the rpm -V flag column for owner, group
 * and mode, and why each difference is right (the Security stanza's user, a local rule, a shipped rule, a
 * tightened %config) or wrong (drift, or the package's own values where something else is expected: an
 * upgrade's reset).
 */
import * as path from 'node:path';
import type { FsLike, Root } from '../io/fs.js';
import type { UserDb } from '../io/users.js';
import type { BoundRule, BoundRules } from '../rules/types.js';
import { octal, type Finding } from '../types.js';
import { lookEntry } from '../walk/index.js';
import { modeIsBound, provenanceOf } from './layer.js';
import { RPMFILE_CONFIG, RPMFILE_DOC, RPMFILE_GHOST, type PackageFile } from './query.js';

export interface VerifyLine {
  path: string;
  /** rpm -V's nine columns `SM5DLUGTP` (only M, U and G are examined; the others are always `.`), or `missing`. */
  flags: string;
  /** rpm -V's attribute marker: `c` %config, `d` %doc, `g` %ghost, or a blank. */
  marker: string;
  provenance: string;
  /** `ok`: every difference from the package is what the configuration and rules ask; `finding`; `error`. */
  status: 'ok' | 'finding' | 'error';
  /** One reason per difference from the package and per finding: `ok` when the difference is asked for. */
  reasons: { status: 'ok' | 'finding'; text: string }[];
  findings: Finding[];
}

export interface VerifyResult {
  lines: VerifyLine[];
  summary: { files: number; differ: number; findings: number; errors: number };
}

function markerOf(f: PackageFile): string {
  if (f.flags & RPMFILE_GHOST) return 'g';
  if (f.flags & RPMFILE_CONFIG) return 'c';
  if (f.flags & RPMFILE_DOC) return 'd';
  return ' ';
}

const look = lookEntry;

/** Why the winner of an attribute may differ from the package. */
function because(attr: 'owner' | 'group' | 'mode', winner: BoundRule | null, translated: string[], f: PackageFile): string {
  if (winner === null) return 'no rule decides it';
  const origin = winner.rule.origin;
  if (origin === 'package') {
    if (attr === 'mode') return modeIsBound(f) ? `within the package's upper bound ${octal(f.mode)} (${f.flags & RPMFILE_GHOST ? '%ghost' : '%config'}: the administrator may tighten it)` : 'as the package declares';
    const note = translated.find((t) => t.startsWith(attr === 'owner' ? 'user ' : 'group '));
    return note ?? 'as the package declares';
  }
  if (origin === 'shipped') return `the shipped rule ${winner.rule.id} wins over the package`;
  return `the local rule ${winner.rule.id}`;
}

/** Verify every package file of the layer. Throws nothing: what cannot be examined is an `error` line. */
export function verifyPackages(bound: BoundRules, fs: FsLike, root: Root, users: UserDb): VerifyResult {
  const layer = bound.packages?.layer;
  const lines: VerifyLine[] = [];
  const summary = { files: 0, differ: 0, findings: 0, errors: 0 };
  if (!layer) return { lines, summary };
  const files = [...layer.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of files) {
    summary.files++;
    const provenance = provenanceOf(f);
    const marker = markerOf(f);
    const l = look(fs, root, f.path);
    if ('errno' in l) {
      summary.errors++;
      const finding: Finding = { path: f.path, check: 'error', expected: null, actual: l.errno, rule: null, message: `could not be examined: ${l.errno}` };
      lines.push({ path: f.path, flags: '?????????', marker, provenance, status: 'error', reasons: [{ status: 'finding', text: finding.message }], findings: [finding] });
      continue;
    }
    if ('gone' in l) {
      // rpm -V does not report a missing %ghost file: the program makes it at run time.
      if (f.flags & RPMFILE_GHOST) continue;
      summary.differ++;
      summary.findings++;
      const finding: Finding = { path: f.path, check: 'missing', expected: 'exists', actual: 'missing', rule: provenance, message: `a file of ${f.nevra} does not exist` };
      lines.push({ path: f.path, flags: 'missing', marker, provenance, status: 'finding', reasons: [{ status: 'finding', text: 'missing: drift (removed after the install)' }], findings: [finding] });
      continue;
    }
    const e = l.entry;
    const M = e.type !== f.type || (e.type !== 'symlink' && e.mode !== f.mode);
    // As rpm does: a declared account without an entry was installed as root, and is verified against root.
    const U = e.uid !== (users.userByName(f.user)?.uid ?? 0);
    const G = e.gid !== (users.groupByName(f.group)?.gid ?? 0);
    const flags = `.${M ? 'M' : '.'}...${U ? 'U' : '.'}${G ? 'G' : '.'}..`;
    const v = bound.check(e, path.posix.dirname(f.path));
    const r = layer.resolve(f.path, e.type);
    const folded = r?.folded;
    const translated = r?.pe.translated ?? [];
    const reasons: VerifyLine['reasons'] = [];
    const has = (check: string): Finding | undefined => v.findings.find((x) => x.check === check);
    const attrs: ['owner' | 'group' | 'mode', boolean, BoundRule | null, string][] = [
      ['owner', U, folded?.owner ?? null, `owner ${users.userById(e.uid)?.name ?? e.uid}`],
      ['group', G, folded?.group ?? null, `group ${users.groupById(e.gid)?.name ?? e.gid}`],
      ['mode', M, null, `mode ${octal(e.mode)}`],
    ];
    for (const [attr, differs, winner, now] of attrs) {
      const finding = has(attr);
      if (finding) {
        reasons.push({
          status: 'finding',
          text: differs
            ? `${attr}: drift: ${finding.message} (${finding.rule ?? ''})`
            : `${attr}: ${finding.actual ?? ''} as the package laid it down (an install or upgrade reset it); ${finding.rule ?? ''} wants ${finding.expected ?? ''}`,
        });
      } else if (differs) {
        let w = winner;
        if (attr === 'mode' && folded) {
          const st = folded.mode;
          const slots = [st.exact, st.max, st.min, st.deny].filter((s) => s !== null).map((s) => s.tag);
          w = slots.reduce<BoundRule | null>((a, b) => (a === null || b.index > a.index ? b : a), null);
        }
        reasons.push({ status: 'ok', text: `${now}: ${because(attr, w, translated, f)}` });
      }
    }
    for (const x of v.findings) {
      if (x.check !== 'owner' && x.check !== 'group' && x.check !== 'mode') reasons.push({ status: 'finding', text: `${x.check}: ${x.message} (${x.rule ?? ''})` });
    }
    const differ = M || U || G;
    if (differ) summary.differ++;
    summary.findings += v.findings.length;
    if (!differ && v.findings.length === 0) continue;
    lines.push({ path: f.path, flags, marker, provenance, status: v.findings.length > 0 ? 'finding' : 'ok', reasons, findings: v.findings });
  }
  return { lines, summary };
}
