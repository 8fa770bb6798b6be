import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MpError } from '../errors.js';
import { errnoOf } from '../io/fs.js';
import type { Sink } from './types.js';

const FLUSH_AT = 64 * 1024;

/** A sink that collects text and hands it on in chunks of about 64 KB. */
export interface BufferedSink extends Sink {
  flush(): void;
}

export function bufferedSink(out: (text: string) => void): BufferedSink {
  let buf = '';
  return {
    write(text) {
      buf += text;
      if (buf.length >= FLUSH_AT) {
        out(buf);
        buf = '';
      }
    },
    flush() {
      if (buf !== '') out(buf);
      buf = '';
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

function outputError(file: string, e: unknown): MpError {
  return new MpError('MP305', `cannot write ${file}: ${errnoOf(e) ?? String(e)}`);
}

/**
 * Write `file` atomically: a temporary file in the same directory, fsync, rename. Readers (node_exporter,
 * a monitoring script) never see half a report, and a failed run leaves the previous one.
 */
export function atomicFile(file: string, mode = 0o644): AtomicFile {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    // O_EXCL: never write through a file or link someone planted under the temporary name.
    fd = nodeFs.openSync(tmp, nodeFs.constants.O_WRONLY | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL, mode);
  } catch (e) {
    throw outputError(file, e);
  }
  // The mode asked for, whatever root's umask: under umask 077 a metrics file would be 0600, and
  // node_exporter, running as its own user, could not read it.
  nodeFs.fchmodSync(fd, mode);
  let open = true;
  const sink = bufferedSink((text) => {
    try {
      nodeFs.writeSync(fd, text);
    } catch (e) {
      throw outputError(file, e);
    }
  });
  const close = (): void => {
    if (open) nodeFs.closeSync(fd);
    open = false;
  };
  const abort = (): void => {
    close();
    nodeFs.rmSync(tmp, { force: true });
  };
  return {
    write: sink.write,
    abort,
    commit() {
      try {
        sink.flush();
        nodeFs.fsyncSync(fd);
        close();
        nodeFs.renameSync(tmp, target);
        const dir = nodeFs.openSync(path.dirname(target), 'r');
        try {
          nodeFs.fsyncSync(dir);
        } finally {
          nodeFs.closeSync(dir);
        }
      } catch (e) {
        abort();
        throw e instanceof MpError ? e : outputError(file, e);
      }
    },
  };
}
