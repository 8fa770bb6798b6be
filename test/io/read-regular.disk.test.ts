import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile, realFs } from '../../src/io/fs.js';
import { tempDir } from '../support/root.js';

const dir = tempDir('readreg').dir;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile on the real disk', () => {
  it('reads a regular file, through a link too, and reports its mode', () => {
    fs.writeFileSync(path.join(dir, 'a.conf'), 'user = ecuser\n', { mode: 0o640 });
    fs.chmodSync(path.join(dir, 'a.conf'), 0o640);
    fs.symlinkSync('a.conf', path.join(dir, 'link.conf'));
    for (const name of ['a.conf', 'link.conf']) {
      const r = readRegularFile(realFs, path.join(dir, name), 1024);
      expect(r).toEqual({ text: 'user = ecuser\n', mode: 0o100640 });
    }
  });

  it('refuses a FIFO, and a link to one, without blocking', () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    fs.symlinkSync('fifo', path.join(dir, 'to-fifo'));
    expect(readRegularFile(realFs, path.join(dir, 'fifo'), 1024)).toEqual({ refused: 'not-regular' });
    expect(readRegularFile(realFs, path.join(dir, 'to-fifo'), 1024)).toEqual({ refused: 'not-regular' });
  });

  it('refuses a link to a device node without opening it', () => {
    fs.symlinkSync('/dev/null', path.join(dir, 'to-null'));
    expect(readRegularFile(realFs, path.join(dir, 'to-null'), 1024)).toEqual({ refused: 'not-regular' });
  });

  it('refuses a file over the cap and reports a missing one', () => {
    fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(2048));
    expect(readRegularFile(realFs, path.join(dir, 'big'), 1024)).toEqual({ refused: 'too-large' });
    expect(readRegularFile(realFs, path.join(dir, 'nope'), 1024)).toEqual({ refused: 'missing' });
  });
});
