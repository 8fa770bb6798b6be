/**
 * The short texts commands print beside their reports: what an audit is reading, a pending upgrade step, a
 * baseline held back, a journal cut short, and the example's guide. Each goes through line().
 */
import type { ChalkInstance } from 'chalk';
import { shellWord } from '../printable.js';
import type { BoundRules } from '../rules/types.js';
import { line, paint, text, type Shown } from './line.js';

/** What an audit reads, for a person at a terminal before the walk starts. */
export function auditingText(b: BoundRules): string {
  const trees = b.trees.map((t) => t.path).join(', ');
  return text([line`Auditing ${trees} for ${b.user.name} (${b.user.id}), group ${b.group.name} (${b.group.id}), as ${b.config.configFile} says`]);
}

/** A pre-upgrade snapshot no post-upgrade step consumed (`at`: when it was taken). */
export function pendingUpgradeText(at: string, snapshot: string, rerun: readonly string[]): string {
  const next = ['momentum-perms', 'hook', 'post-upgrade', ...rerun.map(shellWord)].join(' ');
  return text([
    line`momentum-perms: a pre-upgrade snapshot of ${at} is pending (${snapshot}): an upgrade's post-upgrade step has not run. Next: ${next}   # not fix: it would not restore the local choices`,
  ]);
}

/** `snapshot --baseline` while an upgrade's pre-upgrade snapshot is pending. */
export function baselineHeldBackText(pending: string): string {
  return text([
    line`momentum-perms: the baseline is not refreshed: ${pending} is pending (an upgrade is under way, or its post-upgrade step did not run: momentum-perms hook post-upgrade)`,
  ]);
}

/** An undo whose journal ends in a line a killed run cut short. */
export function truncatedJournalText(journal: string): string {
  return text([line`note: the last line of ${journal} was cut short (a run killed while writing it); its change was never made`]);
}

/** The example's head: where it was built, as whom, and the drift planted. */
export function exampleIntroText(dir: string, who: string, drift: readonly { path: string; what: string }[], color: ChalkInstance): string {
  const c = paint(color);
  const out: Shown[] = [line`${c.bold('Example Momentum install')} in ${dir} — ${who}`, line`Planted drift:`];
  for (const d of drift) out.push(line`  ${d.path}  ${c.dim(d.what)}`);
  out.push(line``, c.dim(line`$ momentum-perms audit --root ${shellWord(dir)}`), line``);
  return text(out);
}

/** The example's tail: the commands to try on it, or that it was removed. */
export function exampleEndText(dir: string, kept: boolean, color: ChalkInstance): string {
  if (!kept) return text([line``, paint(color).dim('(The example install was removed; run `momentum-perms example --keep` to keep it and try the command above.)')]);
  const r = shellWord(dir);
  const tries = [
    `momentum-perms audit --root ${r}`,
    `momentum-perms fix --dry-run --root ${r}`,
    `momentum-perms fix --root ${r}`,
    `momentum-perms explain --root ${r} /opt/msys/ecelerity/etc/conf/dkim/example.com/mta1.key`,
    `rm -rf ${r}`,
  ];
  return text([line``, line`The example install is kept in ${dir}. Try:`, ...tries.map((l) => line`  ${l}`)]);
}

/** An example in a directory the user named, left as it is after a failure. */
export function exampleLeftText(dir: string): string {
  return text([line`momentum-perms: the example in ${dir} was left as it is; remove it with rm -rf if you do not want it`]);
}
