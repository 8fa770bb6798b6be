import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConfig } from '../../src/commands/config.js';
import { memoryIo } from '../../src/commands/io.js';
import type { CommonOptions } from '../../src/commands/options.js';
import { isMpError, renderError } from '../../src/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Host directory of a fixture: a fake root holding opt/msys/ecelerity/…, etc/passwd and etc/group. */
export function fixture(name: string): string {
  return path.join(here, 'fixtures', name);
}

/** Run `config --json --root FIXTURE` in-process; returns the parsed JSON and the exit status. */
export function configJson(name: string, opts: CommonOptions = {}): { status: number; json: any } {
  const io = memoryIo();
  const status = runConfig({ root: fixture(name), node: 'mta1', ...opts, json: true }, io);
  return { status, json: JSON.parse(io.stdout()) };
}

/** Run `config --root FIXTURE` and return the readable summary. */
export function configText(name: string, opts: CommonOptions = {}): string {
  const io = memoryIo();
  runConfig({ root: fixture(name), node: 'mta1', ...opts }, io);
  return io.stdout();
}

/** Run `config --root FIXTURE`, expecting an MpError; returns its code and rendered frame. */
export function configError(name: string, opts: CommonOptions = {}): { code: string; frame: string } {
  try {
    runConfig({ root: fixture(name), node: 'mta1', ...opts, json: true }, memoryIo());
  } catch (e) {
    if (isMpError(e)) return { code: e.code, frame: renderError(e) };
    throw e;
  }
  throw new Error(`fixture ${name} was read without error`);
}

/** Prefix for sources in the default 4.x directory. */
export const DEF = '/opt/msys/ecelerity/etc/conf/default';
