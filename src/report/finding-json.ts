/**
 * One finding as JSON, exactly as `JSON.stringify(finding)` writes it (same keys, same order), about twice as
 * fast: a report of a million drifted spool files spends most of its own time here. Strings that need no
 * escaping (the usual case: paths, octal modes, rule ids) are quoted as they are.
 */
import type { Finding } from '../types.js';

// Characters JSON must escape; lone surrogates are escaped by JSON.stringify too.
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function str(s: string | null): string {
  if (s === null) return 'null';
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** `JSON.stringify(f)` for a Finding, faster. */
export function findingJson(f: Finding): string {
  const since = f.since === undefined ? '' : `,"since":${str(f.since)}`;
  return (
    `{"path":${str(f.path)},"check":${str(f.check)},"expected":${str(f.expected)},"actual":${str(f.actual)}` +
    `,"rule":${str(f.rule)},"message":${str(f.message)}${since}}`
  );
}
