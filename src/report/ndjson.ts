/**
 * `--format ndjson`: one finding per line as it is found, then `{"summary": {...}}` — for pipes and huge
 * trees (`momentum-perms audit --format ndjson | jq …` starts printing before the walk ends).
 */
import { jsonText } from '../printable.js';
import type { Reporter, ReportContext } from './types.js';

export function ndjsonReporter(ctx: ReportContext): Reporter {
  return {
    start() {},
    finding(f) {
      ctx.sink.write(jsonText(f) + '\n');
    },
    end(r) {
      if (ctx.quiet && r.summary.findings === 0) return;
      ctx.sink.write(jsonText({ summary: r.summary }) + '\n');
    },
  };
}
