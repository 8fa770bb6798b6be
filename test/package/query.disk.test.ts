/**
 * Reading rpm's answer: a stand-in `rpm` program (a script named with the `rpm` option) prints crafted
 * records, so that names with tabs, newlines and multi-byte characters, and an answer larger than one read
 * chunk, are parsed exactly. As root (the database must be root's to be trusted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { readPackages } from '../../src/package/query.js';
import { asRoot } from './rpm-fixture.js';
import { tempDir } from '../support/root.js';

const rec = (nevra: string, mode: string, user: string, group: string, flags: number, name: string): string => `@\t${nevra}\t${mode}\t${user}\t${group}\t${flags}\t${name}\n`;

describe.runIf(asRoot)('readPackages: parsing what rpm prints', () => {
  let dir: string;
  let rpm: string;
  let answer: string;
  beforeAll(() => {
    dir = tempDir('pkgq').dir;
    fs.mkdirSync(path.join(dir, 'root/var/lib/rpm'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'root/var/lib/rpm/rpmdb.sqlite'), '');
    answer = path.join(dir, 'answer');
    rpm = path.join(dir, 'rpm');
    // The stand-in prints its arguments to a file and the prepared answer to standard output.
    fs.writeFileSync(rpm, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/args\ncat ${answer}\n`, { mode: 0o755 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = (): ReturnType<typeof makeRoot> => makeRoot(path.join(dir, 'root'));
  const inOpt = (p: string): boolean => p.startsWith('/opt/msys/');

  it('keeps the records inside the trees, with names holding tabs, newlines and multi-byte characters', () => {
    fs.writeFileSync(
      answer,
      rec('msys-ecelerity-4.2.38-1.x86_64', '40755', 'root', 'root', 0, '/opt/msys/ecelerity/bin') +
        rec('msys-ecelerity-4.2.38-1.x86_64', '100755', 'root', 'root', 0, '/opt/msys/ecelerity/bin/a\tb') +
        rec('msys-ecelerity-4.2.38-1.x86_64', '100640', 'ecuser', 'ecuser', 17, '/opt/msys/ecelerity/bin/x\ny') +
        rec('msys-ecelerity-4.2.38-1.x86_64', '120777', 'root', 'root', 0, '/opt/msys/ecelerity/bin/é') +
        rec('msys-ecelerity-4.2.38-1.x86_64', '100644', 'ecuser', 'ecuser', 64, '/opt/msys/ecelerity/bin/ghost') +
        rec('bash-5.1-1.x86_64', '100755', 'root', 'root', 0, '/usr/bin/bash') +
        'garbage that is not a record\n',
    );
    const r = readPackages(realFs, root(), inOpt, { rpm });
    expect(r.present).toBe(true);
    if (!r.present) return;
    expect(fs.readFileSync(path.join(dir, 'args'), 'utf8').split('\n').slice(0, 5)).toEqual(['--root', path.join(dir, 'root'), '--dbpath', '/var/lib/rpm', '-qa']);
    expect(r.records).toBe(6);
    expect(r.packages).toEqual(['msys-ecelerity-4.2.38-1.x86_64']);
    expect([...r.files.values()].map((f) => [f.path, f.type, f.mode.toString(8), f.user, f.flags])).toEqual([
      ['/opt/msys/ecelerity/bin', 'dir', '755', 'root', 0],
      ['/opt/msys/ecelerity/bin/a\tb', 'file', '755', 'root', 0],
      ['/opt/msys/ecelerity/bin/x\ny', 'file', '640', 'ecuser', 17],
      ['/opt/msys/ecelerity/bin/é', 'symlink', '777', 'root', 0],
      ['/opt/msys/ecelerity/bin/ghost', 'file', '644', 'ecuser', 64],
    ]);
  });

  it('reads an answer larger than a chunk without splitting a character or a record', () => {
    const out = fs.openSync(answer, 'w');
    fs.writeSync(out, 'x\n'); // an odd start, so that chunk ends fall inside two-byte characters
    const n = 30_000;
    for (let i = 0; i < n; i++) fs.writeSync(out, rec('pad-1-1.noarch', '100644', 'root', 'root', 0, `/usr/share/${'é'.repeat(i % 17)}${i}`));
    fs.writeSync(out, rec('msys-jlog-4.2.38-1.x86_64', '100755', 'root', 'root', 0, '/opt/msys/jlog/bin/jlogctl-é'));
    fs.closeSync(out);
    expect(fs.statSync(answer).size).toBeGreaterThan(1 << 20);
    let broken = 0;
    let seen = 0;
    const r = readPackages(realFs, root(), (p) => {
      seen++;
      if (p.includes('\uFFFD')) broken++;
      return inOpt(p);
    }, { rpm });
    expect(r.present && r.records).toBe(n + 1);
    expect(seen).toBe(n + 1);
    expect(broken).toBe(0);
    expect(r.present && [...r.files.keys()]).toEqual(['/opt/msys/jlog/bin/jlogctl-é']);
  });

  it('is absent when rpm fails, or when no package has a file in the trees', () => {
    fs.writeFileSync(answer, rec('bash-5.1-1.x86_64', '100755', 'root', 'root', 0, '/usr/bin/bash'));
    expect(readPackages(realFs, root(), inOpt, { rpm })).toEqual({
      present: false,
      reason: 'no Momentum package in the rpm database /var/lib/rpm (no package has files in the declared trees)',
    });
    const failing = path.join(dir, 'rpm-fails');
    fs.writeFileSync(failing, '#!/bin/sh\necho "error: cannot open Packages database" >&2\nexit 1\n', { mode: 0o755 });
    expect(readPackages(realFs, root(), inOpt, { rpm: failing })).toEqual({ present: false, reason: 'rpm -qa failed (status 1): error: cannot open Packages database' });
  });
});
