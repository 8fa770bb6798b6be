/**
 * `momentum-perms verify`: rpm -V for Momentum's package files, answered with the Security stanza and the
 * rules. One line per file that differs from its package or has a finding, with rpm -V's flag column and
 * the reasons; exit status as the audit's.
 */
import { MpError } from '../errors.js';
import { jsonText, printable } from '../printable.js';
import { verifyPackages, verifyStatus, type VerifyResult } from '../package/verify.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';
import { bindFromOptions, type CommandEnv } from './rules.js';

export function verifyText(r: VerifyResult, c: Io['color']): string {
  const out: string[] = [];
  for (const l of r.lines) {
    // Spaced as rpm -V prints: `missing` is followed by three spaces, the flag column by two.
    const head = `${l.flags === 'missing' ? 'missing   ' : l.flags + '  '}${l.marker} ${printable(l.path)}`;
    out.push(l.status === 'ok' ? head : c.red(head));
    for (const why of l.reasons) out.push(`    ${why.status === 'ok' ? c.green('ok     ') : c.red('finding')}  ${printable(why.text)}`);
  }
  const s = r.summary;
  if (out.length > 0) out.push('');
  out.push(
    `${s.files} package files: ${s.differ} differ from their package${s.findings === 0 ? (s.differ > 0 ? ', each as the configuration and rules ask' : '') : `; ${s.findings} finding${s.findings === 1 ? '' : 's'}`}${s.errors > 0 ? `; ${s.errors} could not be examined` : ''}.`,
  );
  return out.join('\n') + '\n';
}

export function runVerify(o: CommonOptions, io: Io, env: CommandEnv = {}): number {
  const { bound, fs, root, users } = bindFromOptions(o, env);
  const info = bound.packages?.info;
  if (!bound.packages?.layer) throw new MpError('MP300', `nothing to verify: the package layer is absent (${info?.reason ?? 'not read'})`);
  const r = verifyPackages(bound, fs, root, users);
  if (o.json) {
    io.out(jsonText({ root: root.dir, user: bound.user, group: bound.group, packages: info, files: r.lines, summary: r.summary }, 2) + '\n');
  } else io.out(verifyText(r, io.color));
  return verifyStatus(r);
}
