/**
 * Progress for a person waiting on a long walk: on a terminal's stderr, one line rewritten in place — entries
 * examined, the rate, and where the walk is — at most five times a second; nothing at all when stderr is
 * not a terminal (cron, systemd, a pipe). The per-entry cost is one increment and a mask test: the clock is
 * read once every 1,024 entries.
 */
import { esc } from './line.js';

export interface Progress {
  /** One entry examined, at `path`. */
  tick(path: string): void;
  /** Clear the line (before the report is printed). */
  end(): void;
}

const NONE: Progress = { tick: () => {}, end: () => {} };

function shorten(p: string, width: number): string {
  return p.length <= width ? p : `…${p.slice(p.length - width + 1)}`;
}

export function progress(write: ((text: string) => void) | null, columns = 80, now: () => number = () => performance.now()): Progress {
  if (write === null) return NONE;
  const started = now();
  let n = 0;
  let next = started + 200;
  let shown = false;
  return {
    tick(path) {
      if ((++n & 1023) !== 0) return;
      const t = now();
      if (t < next) return;
      next = t + 200;
      const rate = Math.round(n / ((t - started) / 1000));
      const head = `${n.toLocaleString('en-US')} entries, ${rate.toLocaleString('en-US')}/s  `;
      // Names come from the disk: escaped, so that a name cannot drive the terminal.
      write(`\r\x1b[K${head}${shorten(esc(path).text, Math.max(10, columns - head.length - 1))}`);
      shown = true;
    },
    end() {
      if (shown) write('\r\x1b[K');
      shown = false;
    },
  };
}
