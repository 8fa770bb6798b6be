/**
 * `explain` as a library call: what the rules say about one path of the bound install, and what its
 * package declares, with the provenance of each. The path is looked at as the audit looks at it (nothing on
 * the way followed but root's own links).
 */
import * as path from 'node:path';
import type { Bound } from '../audit/bind.js';
import { MpError } from '../errors.js';
import { explainPath, type Explanation } from '../rules/explain.js';
import type { Entry } from '../types.js';
import { lookEntry } from '../walk/index.js';
import { aclNoFollow } from '../walk/descriptors.js';
import { aclMatters, aclUnreadWhy } from '../io/acl.js';
import { realFs } from '../io/fs.js';
import { modeIsBound, type PackageExpectation } from './layer.js';
import { RPMFILE_GHOST, RPMFILE_MISSINGOK } from './query.js';

/** What explain adds for a package file. */
export interface ExplainedPackage {
  provenance: string;
  mode: 'exact' | 'at most';
  translated: string[];
  /** Attributes the shipped rules took from the package, as findings say it. */
  hazards: string[];
}

/** What a package declares for a path, as explain shows it. */
export function explainedPackage(pe: PackageExpectation): ExplainedPackage {
  return {
    provenance: pe.provenance,
    mode: modeIsBound(pe.file) ? 'at most' : 'exact',
    translated: pe.translated,
    hazards: pe.hazards.map((h) => h.message),
  };
}

/** What explain finds for one path. */
export interface Explained {
  explanation: Explanation;
  package: ExplainedPackage | null;
}

/**
 * Explain `p` (a Momentum path) in the bound install. Throws MpError MP300 when the path cannot be looked at;
 * a path that does not exist is explained all the same.
 */
export function explainInstalled(b: Bound, p: string): Explained {
  const { bound, fs, root, users } = b;
  const target = path.posix.resolve('/', p);
  const look = lookEntry(fs, root, target);
  if ('errno' in look) throw new MpError('MP300', `cannot examine ${target}: ${look.errno}`);
  const entry: Entry | null = 'entry' in look ? look.entry : null;
  const x = explainPath(bound, target, entry, users);
  // An access ACL that lets another account write, or that decides who may and could not be read (io/acl.ts).
  if (x.actual !== null && entry !== null && fs === realFs) {
    const acl = aclNoFollow(root, target);
    const text = acl === 'writers' ? 'names another account with write, as far as the mode\'s group bits (its mask) allow (see getfacl)' : acl === 'unread' && aclMatters(entry) ? `not read (${aclUnreadWhy()}): root's group write may be another account's` : null;
    if (text !== null) x.actual = { ...x.actual, acl: text };
  }
  // What the package declares, with its provenance (src/package/).
  const pe = bound.packages?.layer?.resolve(target, entry?.type ?? 'file')?.pe;
  // A package file that does not exist is missing, unless the program makes it at run time (%ghost).
  if (entry === null && pe && !(pe.file.flags & (RPMFILE_GHOST | RPMFILE_MISSINGOK)) && !x.findings.some((f) => f.check === 'missing')) {
    x.findings = [...x.findings, { path: target, check: 'missing', expected: 'exists', actual: 'missing', rule: pe.provenance, message: `a file of ${pe.file.nevra} does not exist` }];
  }
  return { explanation: x, package: pe ? explainedPackage(pe) : null };
}
