import { printable } from '../printable.js';
import type { Check, Summary } from '../types.js';

/**
 * Quote one shell word only where a shell would need it. A word holding a character printable() escapes (a
 * newline, an escape sequence, a bidi override: a path from the disk or the configuration) is written in
 * bash's $'…' quoting, which names each such character instead of carrying it raw: the suggested `Next:`
 * command can neither forge a report line nor drive the terminal, and still names the exact path.
 */
export function shellWord(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  if (printable(s) === s) return `'${s.replace(/'/g, `'\\''`)}'`;
  return `$'${s.replace(/[\\']/g, (ch) => `\\${ch}`).replace(/[^\\']/g, (ch) => (printable(ch) === ch ? ch : ansiC(ch)))}'`;
}

function ansiC(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 10) return '\\n';
  if (c === 9) return '\\t';
  if (c === 13) return '\\r';
  return c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/** The checks the fixer corrects; the others are reported for a person to decide. */
const FIXABLE: ReadonlySet<Check> = new Set<Check>(['owner', 'group', 'mode']);

/**
 * The command to run next, given what the audit found: fix's plan when something is fixable, explain on
 * the first finding when nothing is, a snapshot (before the next upgrade) when all is well.
 */
export function nextCommand(
  summary: Summary,
  checks: ReadonlyMap<Check, number>,
  firstPath: string | undefined,
  rerun: readonly string[],
  since?: string,
): { command: string; why: string } {
  const opts = rerun.map(shellWord);
  const cmd = (...words: string[]): string => ['momentum-perms', ...words, ...opts].join(' ');
  // Only fix and audit take --since: a fix after `audit --since` should restore what the upgrade reset.
  const withSince = since !== undefined ? ['--since', shellWord(since)] : [];
  for (const c of FIXABLE) {
    if ((checks.get(c) ?? 0) > 0) return { command: cmd('fix', '--dry-run', ...withSince), why: 'see what fix would change' };
  }
  if (summary.findings > summary.errors && firstPath !== undefined) {
    return { command: cmd('explain', shellWord(firstPath)), why: 'see which rules apply and why' };
  }
  if (summary.errors > 0) {
    return { command: cmd('audit', ...withSince), why: 'audit again once the paths above can be read' };
  }
  return { command: cmd('snapshot'), why: 'record this state before the next upgrade' };
}
