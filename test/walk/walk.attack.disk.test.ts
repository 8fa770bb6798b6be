/**
 * The walk against the service account (uid 500, a real other process) swapping the spool directories it
 * owns for links to a directory outside the tree, over and over, while the walk runs: whatever the timing,
 * nothing outside the tree is ever listed or reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realFs } from '../../src/io/fs.js';
import { walk } from '../../src/walk/index.js';
import { asRoot, tempDir } from '../support/root.js';

const DIRS = 40;

/** Attacker: for each directory, rename it aside, put a link to `outside` in its place, then undo; forever. */
const SWAPPER = `
const fs = require('node:fs');
const [spool, outside, n] = process.argv.slice(1);
process.stdout.write('ready\\n');
for (;;) {
  for (let i = 0; i < Number(n); i++) {
    const d = spool + '/d' + i;
    try { fs.renameSync(d, d + '.x'); fs.symlinkSync(outside, d); fs.unlinkSync(d); fs.renameSync(d + '.x', d); } catch {}
  }
}
`;

describe.skipIf(!asRoot)('walk against a concurrent directory-swapping service account', () => {
  let base: string;
  let attacker: ChildProcess | undefined;
  beforeEach(() => {
    base = tempDir('walk-attack').dir;
    fs.chmodSync(base, 0o755);
  });
  afterEach(async () => {
    if (attacker && attacker.exitCode === null) {
      const gone = new Promise((ok) => attacker?.once('exit', ok));
      attacker.kill('SIGKILL');
      await gone;
    }
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('never lists a directory outside the tree, however the swaps fall', async () => {
    const spool = path.join(base, 'var/spool/ecelerity');
    fs.mkdirSync(spool, { recursive: true });
    for (let i = 0; i < DIRS; i++) {
      fs.mkdirSync(path.join(spool, `d${i}`));
      fs.writeFileSync(path.join(spool, `d${i}`, 'msg'), '');
      fs.chownSync(path.join(spool, `d${i}`), 500, 500);
    }
    fs.chownSync(spool, 500, 500);
    const outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(outside, `host-file-${i}`), '');

    attacker = spawn(process.execPath, ['-e', SWAPPER, spool, outside, String(DIRS)], { uid: 500, gid: 500, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((ok) => attacker?.stdout?.once('data', ok));
    let outsideSeen = 0;
    let most = 0;
    for (let run = 0; run < 150; run++) {
      let n = 0;
      walk(
        realFs,
        { dir: base },
        '/var/spool/ecelerity',
        { crossFilesystems: false },
        (e) => {
          n++;
          if (e.path.includes('host-file')) outsideSeen++;
        },
        () => {},
        () => {},
      );
      most = Math.max(most, n);
    }
    expect(outsideSeen).toBe(0);
    // The spool itself, each directory (or its link, or its aside name), and each message: never more.
    expect(most).toBeLessThanOrEqual(1 + DIRS * 2 + DIRS);
  }, 60_000);
});
