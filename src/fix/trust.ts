/**
 * Files a root run takes orders from must be root's alone: a rules file (or a snapshot `fix --since`
 * restores from) that the service account can edit, or whose path it can redirect, would let it declare
 * `/etc` a tree, or name the owner of anything.
 */
import { MpError, type ErrorCode } from '../errors.js';
import { untrustedPath } from './secure-path.js';

/**
 * Throw `code` unless the file at `host` is a regular file, root-owned and writable by root alone, in a
 * directory writable by root alone, below directories no other account can rename things in. Symbolic
 * links on the way are followed and judged: the directory holding each must be root's alone too (whoever
 * writes it can repoint the link).
 */
export function assertRootOnly(host: string, display: string, code: ErrorCode): void {
  const why = untrustedPath(host);
  if (why === null) return;
  throw new MpError(code, `${display} ${why}: not trusted for a root fix`, {
    notes: ['make it and every directory above it owned by root and writable by root alone'],
  });
}

/** MP203 unless every rules file the run read (shipped, local override, --rules) is root's alone. */
export function assertRulesTrusted(files: readonly { host: string; display: string }[]): void {
  for (const f of files) assertRootOnly(f.host, `rules file ${f.display}`, 'MP203');
}
