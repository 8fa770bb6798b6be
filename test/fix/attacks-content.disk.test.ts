/**
 * What a file's content and its other names carry across a fix, set up for real as root in a temporary root
 * with the service account (uid 500) acting in child processes:
 * - laundering: a file the service account can write is never made root's alone in place, because a
 *   descriptor or a MAP_SHARED mapping it opened before survives any chown and chmod;
 * - a hard link outliving its other name: where fs.protected_hardlinks is off, a file that others could not
 *   read is not opened to them.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fix as runFix } from '../../src/pipeline.js';
import type { Outcome } from '../../src/types.js';
import { ECGROUP, ECUSER, file, mkdir, perms, type TempRoot } from './helpers.js';
import { cli, install, SPOOL } from './install.js';

let r: TempRoot;
let attacker: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  attacker?.kill('SIGKILL');
  attacker = undefined;
  r?.cleanup();
});

const HELPER = '/opt/msys/ecelerity/sbin/ec_helper';
const VENDOR = '#!/bin/sh\necho vendor\n';
const PAYLOAD = '#!/bin/sh\nid #x\n';

/**
 * The service account opens `host` read-write and maps it MAP_SHARED, says "ready", waits for a line on
 * stdin, then writes PAYLOAD through the mapping (Linux clears setuid on write(), not on a shared mapping's
 * stores) and through the descriptor it kept, and says "done".
 */
async function holdWritable(host: string): Promise<{ write: () => Promise<string> }> {
  const py = [
    'import os, mmap, sys',
    'fd = os.open(sys.argv[1], os.O_RDWR)',
    'm = mmap.mmap(fd, 0, mmap.MAP_SHARED)',
    'print("ready", flush=True)',
    'sys.stdin.readline()',
    'p = sys.argv[2].encode()',
    'm[0:len(p)] = p',
    'm.flush()',
    'os.pwrite(fd, p, 0)',
    'print("done", flush=True)',
  ].join('\n');
  const c = spawn('/usr/bin/setpriv', ['--reuid', String(ECUSER), '--regid', String(ECGROUP), '--clear-groups', '/usr/bin/python3', '-c', py, host, PAYLOAD]);
  attacker = c;
  let out = '';
  const seen = (word: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.includes(word)) resolve(out);
      };
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      c.on('exit', () => (out.includes(word) ? resolve(out) : reject(new Error(`attacker exited before "${word}": ${out}`))));
      check();
    });
  await seen('ready');
  return {
    write: async () => {
      c.stdin.write('go\n');
      return seen('done');
    },
  };
}

async function fixJson(): Promise<{ code: number; outcomes: Outcome[] }> {
  const x = await cli('fix', '--root', r.dir, '--json');
  return { code: x.code, outcomes: (JSON.parse(x.out) as { outcomes: Outcome[] }).outcomes };
}
const outcomeOf = (os: Outcome[]) => Object.fromEntries(os.map((o) => [o.path, o.reason ? `${o.outcome} ${o.reason}` : o.outcome]));

function allowSetuid(): void {
  mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
  file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644, `${HELPER}  mode=04755 setid=allow  reason="test: the vendor's setuid helper"\n`);
}

describe('laundering: a file the service account can write is never made root\'s, or setuid, in place', () => {
  it('root:ecuser 0775 (a umask-002 install) with a shared writable mapping held open: refused, then no setuid either', async () => {
    r = install();
    file(r.h(HELPER), 0, ECGROUP, 0o775, VENDOR);
    const held = await holdWritable(r.h(HELPER));
    // Fix 1 would remove group write (0755): the file would look root's alone while the mapping still writes it.
    const first = await fixJson();
    expect(outcomeOf(first.outcomes)[HELPER]).toBe('refused writable-content');
    expect(first.code).toBe(1);
    expect(perms(r.h(HELPER))).toEqual({ uid: 0, gid: ECGROUP, mode: 0o775 });
    // The administrator adds the vendor's setuid bit the documented way; fix 2 does not grant it either.
    allowSetuid();
    const second = await fixJson();
    expect(outcomeOf(second.outcomes)[HELPER]).toBe('refused setid-in-user-tree');
    // The service account writes through what it kept: its content is never setuid root.
    await held.write();
    expect(fs.readFileSync(r.h(HELPER), 'utf8').startsWith('#!/bin/sh\nid #x')).toBe(true);
    expect(perms(r.h(HELPER)).mode & 0o6000).toBe(0);
  });

  it('a binary a stray chown -R gave the service account, mapped by it: not chowned to root', async () => {
    r = install();
    file(r.h(HELPER), ECUSER, ECGROUP, 0o755, VENDOR);
    const held = await holdWritable(r.h(HELPER));
    const first = await fixJson();
    expect(outcomeOf(first.outcomes)[HELPER]).toBe('refused writable-content');
    expect(perms(r.h(HELPER))).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o755 });
    allowSetuid();
    expect(outcomeOf((await fixJson()).outcomes)[HELPER]).toBe('refused setid-in-user-tree');
    await held.write();
    const p = perms(r.h(HELPER));
    expect(p.uid === 0 && (p.mode & 0o4000) !== 0).toBe(false);
    expect(p).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o755 });
  });

  it('the text report says what to do', async () => {
    r = install();
    file(r.h(HELPER), 0, ECGROUP, 0o775, VENDOR);
    const x = await cli('fix', '--root', r.dir);
    expect(x.out).toContain('refused  writable-content  1 entry');
    expect(x.out).toContain('reinstall it from the package');
  });
});

describe('a hard link outliving its other name (fs.protected_hardlinks off)', () => {
  const LINK = `${SPOOL}/0/m9`;
  function plantAndReplace(): void {
    file(r.h('/outside/shadow'), 0, 0, 0o600, 'root:$6$OLDHASH\n');
    // The service account links root's file into its spool. The kernel here may forbid that to uid 500
    // (fs.protected_hardlinks=1): root makes the link it could make where the setting is 0.
    fs.linkSync(r.h('/outside/shadow'), r.h(LINK));
  }
  /** Root updates the original the usual way (passwd, useradd, dpkg): a new file renamed over the name. */
  function replaceOriginal(): void {
    file(r.h('/outside/shadow.new'), 0, 0, 0o600, 'root:$6$NEWHASH\n');
    fs.renameSync(r.h('/outside/shadow.new'), r.h('/outside/shadow'));
  }
  const fix = (hardlinksProtected: boolean): Outcome[] => {
    const out: Outcome[] = [];
    runFix({ root: r.dir, hardlinksProtected, sink: { outcome: (o) => void out.push(o) } });
    return out;
  };
  const attackerReads = (): string => {
    const p = spawnSync('/usr/bin/setpriv', ['--reuid', String(ECUSER), '--regid', String(ECGROUP), '--clear-groups', '/bin/cat', r.h(LINK)], { encoding: 'utf8' });
    return p.stdout;
  };

  it('refused while it has two names; once root replaced the original, still not handed to the service account', () => {
    r = install();
    plantAndReplace();
    expect(outcomeOf(fix(false))[LINK]).toBe('refused hardlinked');
    replaceOriginal();
    expect(fs.statSync(r.h(LINK)).nlink).toBe(1);
    expect(outcomeOf(fix(false))[LINK]).toBe('refused hardlinks-unprotected');
    expect(perms(r.h(LINK))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
    expect(attackerReads()).toBe('');
  });

  it('with protected_hardlinks on, the same root-only spool file is an ordinary drift and is fixed', () => {
    r = install();
    file(r.h(LINK), 0, 0, 0o600, '');
    expect(outcomeOf(fix(true))[LINK]).toBe('fixed');
    expect(perms(r.h(LINK))).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o600 });
  });

  it('a file everyone could already read is handed over with protected_hardlinks off too', () => {
    r = install();
    file(r.h(LINK), 0, 0, 0o644, '');
    expect(outcomeOf(fix(false))[LINK]).toBe('fixed');
    expect(perms(r.h(LINK))).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o640 });
  });
});
