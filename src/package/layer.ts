/**
 * The package layer: what Momentum's packages declare for each file, translated by the Security stanza,
 * as the most precise expectation, placed between the shipped rules and the local rules.
 *
 *   - The package's account (`ecuser`) becomes the configured user and group; root stays root; any other
 *     account is taken by name, and one without a passwd/group entry is reported.
 *   - The declared mode is exact, except for `%config` files (the administrator may tighten them: the
 *     package mode is the upper bound) and `%ghost` files (made at run time: an upper bound too, and never
 *     missing).
 *   - The shipped rules are the security invariants: where the package declares what they forbid (a binary
 *     root runs owned by the service account), the shipped rule wins that attribute and the conflict is a
 *     `packaging` finding, a packaging hazard. Local rules come after both.
 *   - Below the directories root executes from, an entry no package owns and no local rule names is an
 *     `unowned` finding: reported, never fixed.
 */
import { lookEntry } from '../walk/index.js';
import { type FsLike, type Root } from '../io/fs.js';
import type { UserDb } from '../io/users.js';
import { expectationFor, type Expectation } from '../rules/expect.js';
import { ALL, childrenMatch, pathSegments, SOME } from '../rules/glob-dirs.js';
import { compileGlob, escapeGlob } from '../rules/glob.js';
import { modeOk, modeText } from '../rules/modes.js';
import type { BoundRule, BoundRules, ModeConstraint, Rule } from '../rules/types.js';
import { compareEntry, idCache } from '../rules/verdict.js';
import { octal, type Entry, type EntryType, type Finding, type Verdict } from '../types.js';
import { RPMFILE_CONFIG, RPMFILE_GHOST, RPMFILE_MISSINGOK, RPMFILE_NOREPLACE, type PackageFile, type PackageRead } from './query.js';

/** The account Momentum's packages give the service's files. */
export const PACKAGE_ACCOUNT = 'ecuser';

/**
 * Where root executes or loads code from: only packages should put files here. An entry below them that no
 * package owns is what a compromised service account would plant for root to run.
 */
export const PACKAGE_ONLY = /^\/opt\/msys\/(?:ecelerity\/(?:bin|sbin|lib[^/]*)|3rdParty|jlog)\/./;

/** What `config`, `rules` and `explain` say about the layer. */
export interface PackageLayerInfo {
  present: boolean;
  /** Why the layer is absent. */
  reason?: string;
  rpm?: string;
  dbpath?: string;
  /** Packages with files in the declared trees, and msys-* packages. */
  packages?: string[];
  /** File records kept (those inside the declared trees), and read in all. */
  files?: number;
  records?: number;
}

/** A package file's expectation as bound for one entry type, and the hazards found making it. */
export interface PackageExpectation {
  file: PackageFile;
  /** `msys-ecelerity-4.2.38-1.x86_64: %config(noreplace) %attr(0640,ecuser,ecuser)`. */
  provenance: string;
  /** The package's rule after the shipped rules took what they win; null when they took everything. */
  rule: BoundRule;
  /** Findings about the declaration itself (hazards, unknown accounts), without the path. */
  hazards: Omit<Finding, 'path'>[];
  /** The owner and group the package asks for after translation, as findings show them (null: none). */
  owner: string | null;
  group: string | null;
  /** How the package's accounts were translated, for explain and verify. */
  translated: string[];
}

/** The layer as bound to one configuration: attached to BoundRules as `packages`. */
export interface PackageLayer {
  info: PackageLayerInfo;
  /** Package files inside the declared trees, by Momentum path. */
  files: Map<string, PackageFile>;
  /**
   * For a package file: its expectation, every matching rule with the package's rule in its place (in the
   * order they apply), and their fold. Null when no package owns the path.
   */
  resolve(path: string, type: EntryType): Resolved | null;
  /** The same for a package file whose directory is known (the audit's hot path). */
  resolveFile(f: PackageFile, parent: string, type: EntryType): Resolved;
  /** The `unowned` finding on an entry no package owns, given the rules that match it; null when none. */
  unowned(entry: Entry, matching: readonly BoundRule[]): Finding | null;
  /** Every bound rule matching a path, in the order they apply (without the package's rule). */
  rulesAt(path: string): BoundRule[];
  /**
   * After a walk: the package files that do not exist (`%ghost` and `%config(missingok)` excepted). A file
   * the walk did not meet is looked at once more, so one the walk did not reach is not called missing.
   */
  missing(fs: FsLike, root: Root): Finding[];
}

/** `%config(noreplace) %attr(0640,ecuser,ecuser)`: the declaration as a spec file writes it. */
export function declaration(f: PackageFile): string {
  const parts: string[] = [];
  if (f.flags & RPMFILE_GHOST) parts.push('%ghost');
  if (f.flags & RPMFILE_CONFIG) parts.push(f.flags & RPMFILE_NOREPLACE ? '%config(noreplace)' : '%config');
  if (f.flags & RPMFILE_MISSINGOK && !(f.flags & RPMFILE_GHOST)) parts.push('%config(missingok)');
  if (f.type === 'dir') parts.push('%dir');
  parts.push(`%attr(${octal(f.mode)},${f.user},${f.group})`);
  return parts.join(' ');
}

export function provenanceOf(f: PackageFile): string {
  return `${f.nevra}: ${declaration(f)}`;
}

/** The package mode is an upper bound (`%config`, `%ghost`) rather than exact. */
export function modeIsBound(f: PackageFile): boolean {
  return (f.flags & (RPMFILE_CONFIG | RPMFILE_GHOST)) !== 0;
}

interface Ids {
  user: { name: string; id: number };
  group: { name: string; id: number };
  users: UserDb;
}

function translate(which: 'user' | 'group', name: string, ids: Ids, source: string): { id: number; text: string; note: string | null } | null {
  if (name === 'root') return { id: 0, text: 'root (0)', note: null };
  if (name === PACKAGE_ACCOUNT) {
    const v = which === 'user' ? ids.user : ids.group;
    return { id: v.id, text: `${v.name} (${v.id})`, note: `${which} ${name} → ${v.name} (the Security stanza${source === 'default' ? "'s default" : `, ${source}`})` };
  }
  const found = which === 'user' ? ids.users.userByName(name)?.uid : ids.users.groupByName(name)?.gid;
  return found === undefined ? null : { id: found, text: `${name} (${found})`, note: null };
}

/** Whether the ids the package's accounts were translated to are the ones its account names hold. */
function asDeclared(f: { user: string; group: string }, uid: number | null, gid: number | null, ids: Ids): boolean {
  const u = f.user !== PACKAGE_ACCOUNT || (uid !== null && ids.users.userByName(PACKAGE_ACCOUNT)?.uid === uid);
  const g = f.group !== PACKAGE_ACCOUNT || (gid !== null && ids.users.groupByName(PACKAGE_ACCOUNT)?.gid === gid);
  return u && g;
}

/** The package expectation, every matching rule with the package's in its place, and their fold. */
export interface Resolved {
  pe: PackageExpectation;
  folded: Expectation;
  rules: BoundRule[];
}

const TYPE_INDEX: Record<EntryType, number> = { file: 0, dir: 1, symlink: 2, fifo: 3, socket: 4, char: 5, block: 6 };

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/**
 * Bind what was read to the rules. Returns the layer, or null (with the reason in `info`) when absent.
 */
export function bindPackages(bound: BoundRules, read: PackageRead, users: UserDb): { info: PackageLayerInfo; layer: PackageLayer | null } {
  if (!read.present) return { info: { present: false, reason: read.reason }, layer: null };
  const info: PackageLayerInfo = {
    present: true,
    rpm: read.source.rpm,
    dbpath: read.source.dbpath,
    packages: read.packages,
    files: read.files.size,
    records: read.records,
  };
  const ids: Ids = { user: bound.user, group: bound.group, users };
  const userSource = bound.config.security.user.source;
  const groupSource = bound.config.security.group.source;
  // The package's rule goes after every shipped rule and before every local one.
  const place = bound.bound.reduce((m, b) => (b.rule.origin === 'shipped' ? Math.max(m, b.index) : m), -1) + 0.5;

  // Matching rules per directory, as the audit's check does: most package files share their directory's answer.
  // Where no rule needs a per-entry test, the result is cached per declaration and entry type (`byDecl`).
  const dirs = new Map<string, { all: BoundRule[]; some: BoundRule[]; byDecl: Map<number, Resolved> }>();
  const dirFor = (parent: string): { all: BoundRule[]; some: BoundRule[]; byDecl: Map<number, Resolved> } => {
    let d = dirs.get(parent);
    if (d === undefined) {
      if (dirs.size > 4096) dirs.clear();
      const segs = pathSegments(parent);
      d = { all: [], some: [], byDecl: new Map() };
      for (const r of bound.bound) {
        const c = childrenMatch(r.glob, segs);
        if (c === ALL) d.all.push(r);
        else if (c === SOME) d.some.push(r);
      }
      dirs.set(parent, d);
    }
    return d;
  };
  const rulesAt = (p: string): BoundRule[] => {
    const d = dirFor(dirOf(p));
    if (d.some.length === 0) return d.all;
    const out = d.all.slice();
    for (const r of d.some) if (r.matches(p)) out.push(r);
    return out.sort((a, b) => a.index - b.index);
  };

  const cache = new Map<string, Resolved>();
  /** The package expectation and the fold of every matching rule with it, cached by what decides them. */
  const resolve = (f: PackageFile, type: EntryType, matching: readonly BoundRule[]): Resolved => {
    let key = `${f.nevra}\0${f.type}\0${f.mode}\0${f.user}\0${f.group}\0${f.flags}\0${type}\0`;
    for (const b of matching) key += b.index + ',';
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const pe = makeExpectation(f, type, matching.filter((b) => b.rule.origin === 'shipped'));
    const rules = [...matching, pe.rule].sort((a, b) => a.index - b.index);
    const made = { pe, folded: expectationFor(rules, type), rules };
    if (cache.size > 65536) cache.clear();
    cache.set(key, made);
    return made;
  };

  const makeExpectation = (f: PackageFile, type: EntryType, shipped: readonly BoundRule[]): PackageExpectation => {
    const provenance = provenanceOf(f);
    // Only plain shipped rules can take an attribute from the package. Rules derived from the configuration
    // (`@kind`), which the service account can edit, never win over what root's package declares:
    // `tls_key = /opt/msys/ecelerity/etc/root.pem` must not make `@private-key owner=$user` take that root
    // file from the package and hand it to the service account.
    const s: Expectation = expectationFor(shipped.filter((b) => b.configPath === null), type);
    const hazards: Omit<Finding, 'path'>[] = [];
    const translated: string[] = [];
    const hazard = (what: string, declared: string, rule: BoundRule, wanted: string): void => {
      hazards.push({
        check: 'packaging',
        expected: wanted,
        actual: declared,
        rule: provenance,
        message: `the package declares ${what} ${declared}; ${rule.rule.id} wants ${wanted} and wins: a packaging hazard`,
      });
    };
    const rule: Rule = { id: provenance, origin: 'package', pattern: f.path, modes: [], reason: `declared by ${f.nevra}` };
    let uid: number | null = null;
    let gid: number | null = null;
    let ownerText: string | null = null;
    let groupText: string | null = null;

    const owner = translate('user', f.user, ids, userSource);
    if (owner === null) {
      hazards.push({ check: 'packaging', expected: 'a known account', actual: f.user, rule: provenance, message: `the package declares owner ${f.user}, which has no passwd entry: no owner is expected from the package` });
    } else if (s.owner !== null && s.uid !== owner.id) {
      hazard('owner', f.user === PACKAGE_ACCOUNT ? `${f.user} (${owner.text} here)` : owner.text, s.owner, s.owner.ownerText ?? String(s.uid));
    } else {
      uid = owner.id;
      ownerText = owner.text;
      if (owner.note) translated.push(owner.note);
    }
    const group = translate('group', f.group, ids, groupSource);
    if (group === null) {
      hazards.push({ check: 'packaging', expected: 'a known group', actual: f.group, rule: provenance, message: `the package declares group ${f.group}, which has no group entry: no group is expected from the package` });
    } else if (s.group !== null && s.gid !== group.id) {
      hazard('group', f.group === PACKAGE_ACCOUNT ? `${f.group} (${group.text} here)` : group.text, s.group, s.group.groupText ?? String(s.gid));
    } else {
      gid = group.id;
      groupText = group.text;
      if (group.note) translated.push(group.note);
    }
    if (s.type !== null && s.typeRule !== null && s.type !== f.type) hazard('a', f.type, s.typeRule, `a ${s.type}`);
    else rule.type = f.type;

    const modes: ModeConstraint[] = [];
    if (f.type !== 'symlink') {
      // The declared mode must itself satisfy the shipped rules: a package may not loosen an invariant.
      if (s.hasMode && !modeOk(f.mode, s.forbidden, s.required)) {
        const failing = [s.mode.exact, s.mode.max, s.mode.min, s.mode.deny].filter((x) => x !== null).map((x) => x.tag);
        const last = failing.reduce((a, b) => (b.index > a.index ? b : a));
        hazard('mode', octal(f.mode), last, modeText(s.mode));
      } else {
        modes.push({ op: modeIsBound(f) ? 'max' : 'exact', bits: f.mode, on: 'any' });
      }
    }
    rule.modes = modes;
    const pattern = escapeGlob(f.path);
    const glob = compileGlob(pattern);
    const b: BoundRule = {
      rule,
      index: place,
      pattern,
      configPath: null,
      uid,
      gid,
      ownerText,
      groupText,
      modes,
      // The package's own setuid/setgid bits are what root installed: allowed where it declares them, and only
      // for the accounts it declares. Its `ecuser` is translated through the Security stanza, which the service
      // account edits: `group = "mailer"` (or any group listing ecuser) would otherwise keep a setuid-root
      // helper `%attr(4750,root,ecuser)` runnable by that group. Allowed only when the translation lands on the
      // ids the passwd and group databases give ecuser itself.
      setidAllowed: (f.mode & 0o6000) !== 0 && modes.length > 0 && asDeclared(f, uid, gid, ids) ? true : undefined,
      glob,
      matches: (p: string) => p === f.path,
    };
    return { file: f, provenance, rule: b, hazards, owner: ownerText, group: groupText, translated };
  };

  const layer: PackageLayer = {
    info,
    files: read.files,
    resolve(p, type) {
      const f = read.files.get(p);
      return f === undefined ? null : layer.resolveFile(f, dirOf(p), type);
    },
    resolveFile(f, parent, type) {
      const d = dirFor(parent);
      if (d.some.length > 0) return resolve(f, type, rulesAt(f.path));
      const k = f.decl * 8 + TYPE_INDEX[type];
      let r = d.byDecl.get(k);
      if (r === undefined) d.byDecl.set(k, (r = resolve(f, type, d.all)));
      return r;
    },
    unowned(entry, matching) {
      if (!PACKAGE_ONLY.test(entry.path)) return null;
      // A local rule that names the entry is the administrator allowing it.
      if (matching.some((b) => b.rule.origin !== 'shipped' && b.rule.origin !== 'package')) return null;
      return {
        path: entry.path,
        check: 'unowned',
        expected: 'a file of an installed package',
        actual: `${entry.type} ${entry.uid}:${entry.gid} ${octal(entry.mode)}`,
        rule: 'builtin:unowned',
        message: 'no package owns it, and only packages put files where root executes from (planted?): reported, never fixed',
      };
    },
    rulesAt,
    missing(fs, root) {
      const out: Finding[] = [];
      for (const f of read.files.values()) {
        if (f.seen || f.flags & (RPMFILE_GHOST | RPMFILE_MISSINGOK)) continue;
        // Not through a link on the way: a link the service account put there would make a file look present.
        if (!('gone' in lookEntry(fs, root, f.path))) continue;
        out.push({ path: f.path, check: 'missing', expected: 'exists', actual: 'missing', rule: provenanceOf(f), message: `a file of ${f.nevra} does not exist` });
      }
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
  };
  return { info, layer };
}

/**
 * The audit's check with the package layer: for a package file, the matching rules are folded with the
 * package's rule in its place and the hazards are added; for any other entry, the `unowned` check.
 */
export function packageCheck(bound: BoundRules, layer: PackageLayer, users: UserDb): BoundRules['check'] {
  const inner = bound.check;
  const ids = idCache(users);
  const files = layer.files;
  // Directories that hold package files: every other entry (a million spool files) costs one comparison.
  const dirs = new Set<string>();
  for (const p of files.keys()) dirs.add(dirOf(p));
  let lastParent: string | null = null;
  let holds = false;
  let only = false;
  return (entry: Entry, parent: string): Verdict => {
    const v = inner(entry, parent);
    if (parent !== lastParent) {
      lastParent = parent;
      holds = dirs.has(parent);
      only = PACKAGE_ONLY.test(parent + '/-');
    }
    if (!holds && !only) return v;
    const f = holds ? files.get(entry.path) : undefined;
    if (f === undefined) {
      if (!only) return v;
      const u = layer.unowned(entry, layer.rulesAt(entry.path));
      return u === null ? v : { ...v, findings: [...v.findings, u] };
    }
    f.seen = true;
    const r = layer.resolveFile(f, parent, entry.type);
    const pv = compareEntry(r.folded, entry, v.tree, ids);
    if (r.pe.hazards.length === 0) return pv;
    return { ...pv, findings: [...pv.findings, ...r.pe.hazards.map((h) => ({ path: entry.path, ...h }))] };
  };
}
