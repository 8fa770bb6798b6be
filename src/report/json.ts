/**
 * `--format json`: one JSON document, `{root, configFile, user, group, findings: [...], summary}`.
 * The findings array is streamed into the output as found (one finding per line), never held: a report of
 * two million findings costs the same memory as a report of two.
 */
import { jsonText } from '../printable.js';
import type { ReportContext, ReportHeader, Reporter } from './types.js';

export function jsonReporter(ctx: ReportContext): Reporter {
  let header: ReportHeader | undefined;
  let opened = false;
  let count = 0;
  // Under --quiet nothing may be written until there is a finding, so the head waits for the first one.
  const open = (): void => {
    if (opened || header === undefined) return;
    opened = true;
    const h = header;
    const head = { root: h.root, configFile: h.configFile, user: h.user, group: h.group };
    ctx.sink.write(jsonText(head).slice(0, -1) + ',"findings":[');
  };
  return {
    start(h) {
      header = h;
      if (!ctx.quiet) open();
    },
    finding(f) {
      open();
      ctx.sink.write((count++ === 0 ? '\n' : ',\n') + jsonText(f));
    },
    end(r) {
      if (ctx.quiet && r.summary.findings === 0) return;
      open();
      const more = ctx.members?.() ?? {};
      const tail = Object.entries(more).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
      ctx.sink.write(`${count > 0 ? '\n' : ''}],"summary":${JSON.stringify(r.summary)}${tail}}\n`);
    },
  };
}
