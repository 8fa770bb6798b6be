/**
 * Exit statuses, a documented contract (README "Exit status"), and the one function that decides which
 * status a run ends with. Commands, the package hooks and the metrics all ask it.
 */
import { isMpError } from './errors.js';

/** 0 all is well; 1 findings or drift left; 2 usage, configuration or rules error; 3 could not finish. */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** How a run ended, as far as its exit status goes. */
export type Ending =
  /** An audit, a verify or an explain: its findings and the paths it could not examine. */
  | { kind: 'audit'; summary: { findings: number; errors: number }; findingsPlanted?: boolean }
  /** A fix or an undo (the post-upgrade hook's fix too). */
  | { kind: 'fix'; result: { summary: { failed: number; refused: number; planned: number }; errors: number; reported: number } }
  /** A file written (a snapshot), with the places that could not be read into it. */
  | { kind: 'written'; unreadable: number }
  /** Something shown (config, rules, help, a completion script). */
  | { kind: 'shown' }
  /** A step that declined to run because another one must come first (a baseline while an upgrade is pending). */
  | { kind: 'held-back' }
  /** A usage error found by the argument parser. */
  | { kind: 'usage' }
  /** An exception. */
  | { kind: 'error'; error: unknown };

/** The exit status a run's ending calls for. */
export function exitStatus(e: Ending): ExitStatus {
  switch (e.kind) {
    case 'audit':
      if (e.summary.errors > 0) return EXIT.incomplete;
      // The example's findings are planted on purpose: finding them is the example working.
      return e.summary.findings > 0 && e.findingsPlanted !== true ? EXIT.findings : EXIT.ok;
    case 'fix': {
      const r = e.result;
      if (r.summary.failed > 0 || r.errors > 0) return EXIT.incomplete;
      return r.summary.refused > 0 || r.reported > 0 || r.summary.planned > 0 ? EXIT.findings : EXIT.ok;
    }
    case 'written':
      return e.unreadable > 0 ? EXIT.incomplete : EXIT.ok;
    case 'shown':
      return EXIT.ok;
    case 'held-back':
      return EXIT.incomplete;
    case 'usage':
      return EXIT.usage;
    case 'error':
      // Another run holding the lock, or a journal or output that could not be written, is "could not
      // finish" (3), not a usage error: rerunning later may succeed. Every other expected failure is 2;
      // an unexpected one did not finish.
      if (!isMpError(e.error)) return EXIT.incomplete;
      return e.error.code === 'MP301' || e.error.code === 'MP305' ? EXIT.incomplete : EXIT.usage;
  }
}

/** The exit status an audit summary calls for: 3 when something could not be examined, 1 on findings, else 0. */
export function exitStatusOf(summary: { findings: number; errors: number }): 0 | 1 | 3 {
  return exitStatus({ kind: 'audit', summary }) as 0 | 1 | 3;
}
