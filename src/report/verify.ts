/** The text of `momentum-perms verify`: rpm -V's lines, each with the reasons the configuration and rules give. */
import type { ChalkInstance } from 'chalk';
import type { VerifyResult } from '../package/verify.js';
import { line, paint, text, type Shown } from './line.js';

export function verifyText(r: VerifyResult, c: ChalkInstance): string {
  const p = paint(c);
  const out: Shown[] = [];
  for (const l of r.lines) {
    // Spaced as rpm -V prints: `missing` is followed by three spaces, the flag column by two.
    const head = line`${l.flags === 'missing' ? 'missing   ' : l.flags + '  '}${l.marker} ${l.path}`;
    out.push(l.status === 'ok' ? head : p.red(head));
    for (const why of l.reasons) out.push(line`    ${why.status === 'ok' ? p.green('ok     ') : p.red('finding')}  ${why.text}`);
  }
  const s = r.summary;
  if (out.length > 0) out.push(line``);
  const findings = s.findings === 0 ? (s.differ > 0 ? ', each as the configuration and rules ask' : '') : `; ${s.findings} finding${s.findings === 1 ? '' : 's'}`;
  out.push(line`${s.files} package files: ${s.differ} differ from their package${findings}${s.errors > 0 ? `; ${s.errors} could not be examined` : ''}.`);
  return text(out);
}
