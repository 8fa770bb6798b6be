import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpError } from '../../src/errors.js';
import { buildExample } from '../../src/example/build.js';
import { asRoot, tempDir } from '../support/root.js';

const bin = fileURLToPath(new URL('../../bin/momentum-perms.js', import.meta.url));

describe('buildExample', () => {
  let base: string;
  beforeEach(() => {
    base = tempDir('example-build').dir;
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('sets exact owners and modes, root’s and ecuser’s, with the planted drift', () => {
    const fd = fs.openSync(base, 'r');
    try {
      const ex = buildExample(fd, base);
      const st = (p: string) => fs.lstatSync(path.join(base, p));
      expect(st('var/spool/ecelerity').mode & 0o7777).toBe(0o750);
      expect(st('var/log/ecelerity/mainlog.ec').mode & 0o7777).toBe(0o666);
      expect(st('etc/passwd').mode & 0o7777).toBe(0o644);
      expect(fs.readFileSync(path.join(base, 'etc/group'), 'utf8')).toContain(`ecuser:x:${ex.ids.userGid}:`);
      if (asRoot) {
        expect(st('var/spool/ecelerity/A/0001-A.M').uid).toBe(500);
        expect(st('var/spool/ecelerity/B/0003-B.M').uid).toBe(0);
        expect(st('opt/msys/ecelerity/bin/ec_ctl').uid).toBe(0);
      }
      expect(ex.drift.map((d) => d.path)).toContain('/var/log/ecelerity/mainlog.ec');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a failed build removes only what it made, through its descriptors, and says so with an MP code', () => {
    // A name the build wants already exists: the build stops there (O_EXCL), nothing is written through it.
    fs.mkdirSync(path.join(base, 'var'));
    fs.writeFileSync(path.join(base, 'var/mine'), 'kept');
    const fd = fs.openSync(base, 'r');
    try {
      expect(() => buildExample(fd, base)).toThrow(MpError);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readdirSync(base).sort()).toEqual(['var']);
    expect(fs.readdirSync(path.join(base, 'var'))).toEqual(['mine']);
  });
});

describe.skipIf(!asRoot)('example --root as root', () => {
  let base: string;
  beforeEach(() => {
    base = tempDir('example-root').dir;
    fs.chmodSync(base, 0o755);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('refuses a DIR that another account could swap: in a directory it owns, or owned by it', () => {
    const own = path.join(base, 'ecuser');
    fs.mkdirSync(own);
    fs.chownSync(own, 500, 500);
    const r = spawnSync(process.execPath, [bin, 'example', '--root', path.join(own, 'demo')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error MP300: .*ecuser is owned by uid 500/);
    expect(fs.existsSync(path.join(own, 'demo'))).toBe(false);
    const theirs = path.join(base, 'theirs');
    fs.mkdirSync(theirs);
    fs.chownSync(theirs, 500, 500);
    const r2 = spawnSync(process.execPath, [bin, 'example', '--root', theirs], { encoding: 'utf8' });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/^error MP300: /);
    expect(fs.readdirSync(theirs)).toEqual([]);
  });
});
