/**
 * The example built as root while the service account (uid 500, a real other process) attacks it: names
 * swapped for links to root's files, directories planted where the build creates its own. Nothing outside
 * the example may be written, chowned or removed, and the build must not fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asRoot, tempDir } from '../support/root.js';

const bin = fileURLToPath(new URL('../../bin/momentum-perms.js', import.meta.url));

const ECUSER = 500;

/** Names of the example the attacker goes for: every file the build writes in a directory it gives to ecuser. */
const TARGETS = [
  ...['A', 'B', 'C', 'D'].flatMap((h) => ['0001', '0002'].flatMap((m) => ['M', 'H'].map((s) => `var/spool/ecelerity/${h}/${m}-${h}.${s}`))),
  'opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
  'opt/msys/ecelerity/etc/conf/dkim/example.com/mta1.key',
  'var/log/ecelerity/mainlog.ec',
  'opt/msys/ecelerity/etc/license',
];

/**
 * Attacker, run as uid 500: for up to 20 s, plant a link to the victim at every target name (or, with
 * `rename`, move a prepared directory of its own to every spool hash directory name), until each name exists.
 */
const ATTACKER = `
const fs = require('node:fs');
const [dir, victim, mode, own] = process.argv.slice(1);
const targets = JSON.parse(process.env.TARGETS);
const left = new Set(mode === 'rename' ? ['A', 'B', 'C', 'D'].map((h) => dir + '/var/spool/ecelerity/' + h) : targets.map((t) => dir + '/' + t));
const t0 = Date.now();
process.stdout.write('ready\\n');
while (left.size > 0 && Date.now() - t0 < 20000) {
  for (const p of left) {
    try {
      if (mode === 'rename') {
        const mine = own + '/' + p.slice(-1);
        fs.mkdirSync(mine, { recursive: true });
        try { fs.symlinkSync(victim, mine + '/victim'); } catch {}
        fs.renameSync(mine, p);
      } else {
        fs.symlinkSync(victim, p);
      }
      left.delete(p);
    } catch (e) {
      if (e.code === 'EEXIST' || e.code === 'ENOTEMPTY') left.delete(p);
    }
  }
}
`;

function startAttacker(dir: string, victim: string, mode: 'link' | 'rename', own = ''): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', ATTACKER, dir, victim, mode, own], {
    uid: ECUSER,
    gid: ECUSER,
    env: { ...process.env, TARGETS: JSON.stringify(TARGETS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok) => child.stdout?.once('data', () => ok(child)));
}

const ended = (c: ChildProcess): Promise<void> => new Promise((ok) => (c.exitCode !== null ? ok() : c.once('exit', () => ok())));

describe.skipIf(!asRoot)('example --root DIR against a concurrent service account (uid 500)', () => {
  let base: string;
  let dir: string;
  beforeEach(() => {
    base = tempDir('example-attack').dir;
    fs.chmodSync(base, 0o755);
    dir = path.join(base, 'demo');
    // As docs/admin.md suggests: a directory of root's choice, root's, 0755 (the service account can look inside).
    fs.mkdirSync(dir, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('never writes or chowns a file through a name swapped for a link (the root-only victim is untouched)', async () => {
    fs.mkdirSync(path.join(base, 'victim'), { mode: 0o755 });
    const victim = path.join(base, 'victim/secret');
    fs.writeFileSync(victim, 'TOPSECRET\n', { mode: 0o600 });
    const before = fs.statSync(victim);
    const attacker = await startAttacker(dir, victim, 'link');
    const r = spawnSync(process.execPath, [bin, 'example', '--keep', '--root', dir], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    attacker.kill();
    await ended(attacker);
    const after = fs.statSync(victim);
    expect(fs.readFileSync(victim, 'utf8')).toBe('TOPSECRET\n');
    expect({ uid: after.uid, gid: after.gid, mode: after.mode & 0o7777, ino: after.ino }).toEqual({ uid: 0, gid: 0, mode: 0o600, ino: before.ino });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Every file the attacker went for is the example's own, with its content, not a link.
    for (const t of TARGETS) expect(fs.lstatSync(path.join(dir, t)).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'var/spool/ecelerity/A/0001-A.M'), 'utf8')).toBe('x');
  }, 30_000);

  it('cannot make the build fail or remove anything by moving its own directories in (nothing outside DIR is deleted)', async () => {
    const victims = path.join(base, 'victim');
    fs.mkdirSync(victims, { mode: 0o700 });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(victims, `f${i}`), 'root only\n', { mode: 0o600 });
    const own = path.join(base, 'own');
    fs.mkdirSync(own);
    fs.chownSync(own, ECUSER, ECUSER);
    const attacker = await startAttacker(dir, victims, 'rename', own);
    const r = spawnSync(process.execPath, [bin, 'example', '--root', dir], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    attacker.kill();
    await ended(attacker);
    expect(fs.readdirSync(victims).length).toBe(20);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The spool hash directories are the example's: made by root, given to ecuser only when complete.
    for (const h of ['A', 'B', 'C', 'D']) {
      expect(fs.lstatSync(path.join(dir, 'var/spool/ecelerity', h)).uid).toBe(ECUSER);
      expect(fs.existsSync(path.join(dir, 'var/spool/ecelerity', h, 'victim'))).toBe(false);
    }
  }, 30_000);
});
