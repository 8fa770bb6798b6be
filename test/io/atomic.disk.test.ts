/**
 * The one atomic writer: the mode asked for, exactly, whatever the umask (a metrics file under root's umask
 * 077 would otherwise be 0600, and node_exporter, running as its own user, could not read it), and never a
 * write through a link planted under the temporary name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAtomic, writeAtomic } from '../../src/io/atomic.js';
import { atomicFile } from '../../src/report/sink.js';
import { tempDir } from '../support/root.js';

let dir: string;
let umask: number;
beforeEach(() => {
  dir = tempDir('atomic').dir;
  umask = process.umask(0o077);
});
afterEach(() => {
  process.umask(umask);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the atomic writer under umask 077', () => {
  it.each([0o644, 0o600, 0o640, 0o444])('writes mode %o exactly', (mode) => {
    const target = path.join(dir, 'f');
    writeAtomic(target, 'x', mode);
    expect(fs.statSync(target).mode & 0o7777).toBe(mode);
  });

  it('a report file (audit --output, the metrics file) is 0644 whatever the umask', () => {
    const target = path.join(dir, 'momentum_perms.prom');
    const f = atomicFile(target);
    f.write('momentum_perms_up 1\n');
    f.commit();
    expect(fs.statSync(target).mode & 0o7777).toBe(0o644);
  });

  it('replaces an existing file of another mode with the mode asked for', () => {
    const target = path.join(dir, 'f');
    fs.writeFileSync(target, 'old', { mode: 0o600 });
    writeAtomic(target, 'new', 0o644);
    expect([fs.readFileSync(target, 'utf8'), fs.statSync(target).mode & 0o7777]).toEqual(['new', 0o644]);
  });

  it('leaves nothing behind when aborted', () => {
    const f = openAtomic(path.join(dir, 'f'), 0o644);
    f.write('half');
    f.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
