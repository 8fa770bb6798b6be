/**
 * The findings the audit makes itself, outside the rules engine: an entry that could not be examined, a
 * required path that is missing, a configuration-derived path outside every declared tree.
 */
import type { ConfigPath } from '../config/types.js';
import { octal, type Entry, type Finding } from '../types.js';

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ELOOP: 'a symbolic link on the way to the tree, or a directory that contains itself (bind-mount loop); not entered',
  ENAMETOOLONG: 'path too long',
  EBADTYPE: 'unknown file type',
  EILSEQ: 'the name is not valid UTF-8 (bytes outside ASCII shown as \\xNN)',
};

/** An entry or directory that could not be examined: exit status 3. */
export function errorFinding(path: string, errno: string): Finding {
  const why = ERRNO_TEXT[errno];
  return {
    path,
    check: 'error',
    expected: null,
    actual: errno,
    rule: null,
    message: `could not be examined: ${errno}${why ? ` (${why})` : ''}`,
  };
}

/** A path a rule marks required that does not exist. */
export function missingFinding(path: string, rule: string): Finding {
  return { path, check: 'missing', expected: 'exists', actual: 'missing', rule, message: 'required path does not exist' };
}

/** What an entry has, the way findings print it: `file ecuser:ecuser 0640` style, with ids. */
export function describeEntry(e: Entry): string {
  return `${e.type} ${e.uid}:${e.gid} ${octal(e.mode)}`;
}

/**
 * A directory above a declared tree that an account other than root can write (owner, group or others, and
 * not root's sticky like /tmp): whoever can write it can rename the tree away and put its own in its place,
 * between two audits. Reported, never fixed: it lies outside every tree, where a fix never changes anything.
 */
export function aboveTreeFinding(dir: Entry, tree: string, why: string): Finding {
  return {
    path: dir.path,
    check: dir.uid !== 0 ? 'owner' : 'mode',
    expected: 'root, writable by root alone',
    actual: describeEntry(dir),
    rule: 'builtin:above-tree',
    message: `a directory above the tree ${tree} ${why}: it could replace the tree; reported, never fixed`,
  };
}

/**
 * A path the configuration names outside every tree the rules declare. Reported, never fixed: the
 * configuration is editable by the service user, so a root fix must not follow it (a `spoolbase = /etc`
 * would otherwise hand /etc to ecuser).
 */
export function outsideFinding(cp: ConfigPath, entry: Entry | undefined): Finding {
  const at = cp.source === 'default' ? 'its default' : cp.source;
  const actual = cp.pattern ? `template ${cp.raw ?? cp.path} (not expanded)` : entry ? describeEntry(entry) : 'missing';
  return {
    path: cp.path,
    check: 'outside-tree',
    expected: 'inside a tree the rules declare',
    actual,
    rule: 'builtin:outside-tree',
    message: `${cp.option} (${at}) names a ${cp.kind} path outside the declared trees: reported, never fixed`,
  };
}
