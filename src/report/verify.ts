/** The text of `momentum-perms verify`: rpm -V's lines, each with the reasons the configuration and rules give. */
import type { ChalkInstance } from 'chalk';
import { printable } from '../printable.js';
import type { VerifyResult } from '../package/verify.js';

export function verifyText(r: VerifyResult, c: ChalkInstance): string {
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
