import { Chalk } from 'chalk';
import type { AuditResult } from '../../src/audit/types.js';
import type { ReportContext, ReportHeader, Reporter, ReporterFactory } from '../../src/report/types.js';
import type { Check, Finding, Summary } from '../../src/types.js';
import { fakeBound } from '../audit/fake-rules.js';

export const header: ReportHeader = {
  root: '/srv/mta1',
  configFile: '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
  user: { name: 'ecuser', id: 500 },
  group: { name: 'ecuser', id: 501 },
};

export function finding(path: string, check: Check, rule: string | null = 'rules/4.x.rules:12', actual = '0644'): Finding {
  return { path, check, expected: check === 'mode' ? 'at most 0640' : 'x', actual, rule, message: `${check} is off` };
}

export function result(summary: Partial<Summary>): AuditResult {
  return {
    root: header.root,
    bound: fakeBound({ trees: [] }),
    summary: { examined: 10, findings: 0, errors: 0, vanished: 0, ...summary },
    durationMs: 1234,
  };
}

/** Run a reporter over findings; returns what it wrote and a log of when (after which call) it wrote. */
export function render(
  factory: ReporterFactory,
  findings: Finding[],
  o: { quiet?: boolean; color?: number; rerun?: string[]; summary?: Partial<Summary>; reasonOf?: (id: string) => string | undefined } = {},
): { text: string; writesBeforeEnd: string } {
  let text = '';
  const ctx: ReportContext = {
    sink: { write: (t) => void (text += t) },
    color: new Chalk({ level: (o.color ?? 0) as 0 | 1 }),
    quiet: o.quiet ?? false,
    rerun: o.rerun ?? ['--root', '/srv/mta1'],
  };
  const r: Reporter = factory(ctx);
  r.start(o.reasonOf ? { ...header, reasonOf: o.reasonOf } : header);
  for (const f of findings) r.finding(f);
  const writesBeforeEnd = text;
  const errors = findings.filter((f) => f.check === 'error').length;
  r.end(result({ findings: findings.length, errors, ...o.summary }));
  return { text, writesBeforeEnd };
}
