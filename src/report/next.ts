import { shellWord } from '../printable.js';
import type { Check, Summary } from '../types.js';

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
