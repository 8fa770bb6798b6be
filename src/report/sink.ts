import * as path from 'node:path';
import { openAtomic } from '../io/atomic.js';
import type { Sink } from './types.js';

const FLUSH_AT = 64 * 1024;

/** A sink that collects text and hands it on in chunks of about 64 KB. */
export interface BufferedSink extends Sink {
  flush(): void;
}

export function bufferedSink(out: (text: string) => void): BufferedSink {
  let buf = '';
  return {
    // Emptied before it is handed on: a writer that throws (a closed pipe) is not handed the same text again.
    write(text) {
      buf += text;
      if (buf.length >= FLUSH_AT) {
        const t = buf;
        buf = '';
        out(t);
      }
    },
    flush() {
      const t = buf;
      buf = '';
      if (t !== '') out(t);
    },
  };
}

/** A file that appears complete or not at all. */
export interface AtomicFile extends Sink {
  /** Flush, fsync, rename over the target, fsync the directory. */
  commit(): void;
  /** Remove the temporary file (after a failed run): the previous report stays in place. */
  abort(): void;
}

/** The mode of a report file: node_exporter and monitoring scripts run as their own users and must read it. */
export const REPORT_MODE = 0o644;

/**
 * Write `file` atomically (src/io/atomic.ts), buffered: readers (node_exporter, a monitoring script) never
 * see half a report, and a failed run leaves the previous one.
 */
export function atomicFile(file: string, mode = REPORT_MODE): AtomicFile {
  const f = openAtomic(path.resolve(file), mode, file);
  const sink = bufferedSink((text) => f.write(text));
  return {
    write: sink.write,
    abort: () => f.abort(),
    commit() {
      try {
        sink.flush();
        f.commit();
      } catch (e) {
        f.abort();
        throw e;
      }
    },
  };
}
