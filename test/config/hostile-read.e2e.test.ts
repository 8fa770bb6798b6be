import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { MAX_DIR_ENTRIES, MAX_FILE_LOADS, MAX_LOADED_BYTES } from '../../src/config/loader.js';
import { MpError } from '../../src/errors.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';
import { tempDir } from '../support/root.js';

/**
 * What whoever can edit the configuration (the service account owns etc/conf/**) can name to hang or swamp a
 * root run: kernel files that block on read, and includes that multiply the files loaded.
 */
const bin = fileURLToPath(new URL('../../bin/momentum-perms.js', import.meta.url));
const DEF = '/opt/msys/ecelerity/etc/conf/default';
const ENV = '/opt/msys/ecelerity/etc/environment';
let dir: string;

function write(p: string, text: string): void {
  fs.mkdirSync(path.dirname(dir + p), { recursive: true });
  fs.writeFileSync(dir + p, text);
}

function error(): MpError {
  const root = makeRoot(dir);
  try {
    readConfig(realFs, root, filesUserDb(realFs, root), { node: 'n1' });
  } catch (e) {
    if (e instanceof MpError) return e;
    throw e;
  }
  throw new Error('read without error');
}

/** `config --json` in a child with a deadline: a read that blocks fails the test instead of hanging the run. */
function configCli(): { status: number | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [bin, 'config', '--root', dir, '--node', 'n1', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 20_000,
  });
  return { status: r.status, stderr: r.stderr, timedOut: r.signal === 'SIGTERM' };
}

beforeEach(() => {
  dir = tempDir('hostile').dir;
  write('/etc/passwd', 'ecuser:x:500:500::/:/bin/false\n');
  write('/etc/group', 'ecuser:x:500:\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasKmsg = fs.existsSync('/proc/kmsg');

describe('kernel files named by the configuration are refused, never read', () => {
  it.runIf(hasKmsg)('an include linked to /proc/kmsg (regular, size 0, its read blocks): MP107, no hang', () => {
    write(`${DEF}/ecelerity.conf`, 'Security { user = ecuser }\ninclude "k.conf"\n');
    fs.symlinkSync('/proc/kmsg', dir + `${DEF}/k.conf`);
    const r = configCli();
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error MP107: cannot read ${DEF}/k.conf: a file of the proc kernel filesystem, not configuration`);
  });

  it.runIf(hasKmsg)('Local_Changes_File naming /proc/kmsg through the root: MP107, no hang', () => {
    write(`${DEF}/ecelerity.conf`, 'Local_Changes_File = "/opt/msys/ecelerity/etc/lc.conf"\n');
    fs.mkdirSync(dir + '/opt/msys/ecelerity/etc', { recursive: true });
    fs.symlinkSync('/proc/kmsg', dir + '/opt/msys/ecelerity/etc/lc.conf');
    const r = configCli();
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toContain('error MP107: cannot read /opt/msys/ecelerity/etc/lc.conf: a file of the proc kernel filesystem');
  });

  it.runIf(hasKmsg)('CONFFILE= naming /proc/kmsg: MP107, no hang', () => {
    write(ENV, 'CONFFILE=/opt/msys/ecelerity/etc/kmsg.conf\n');
    fs.symlinkSync('/proc/kmsg', dir + '/opt/msys/ecelerity/etc/kmsg.conf');
    const r = configCli();
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toContain('error MP107: cannot read /opt/msys/ecelerity/etc/kmsg.conf: a file of the proc kernel filesystem');
  });

  it('an include of a procfs or sysfs file that would not block is refused all the same, by filesystem type', () => {
    write(`${DEF}/ecelerity.conf`, 'include "/status.conf"\n');
    fs.symlinkSync('/proc/self/status', dir + '/status.conf');
    expect(error().message).toBe('cannot read /status.conf: a file of the proc kernel filesystem, not configuration');
    write(`${DEF}/ecelerity.conf`, 'include "/sys.conf"\n');
    fs.symlinkSync('/sys/kernel/mm/transparent_hugepage/enabled', dir + '/sys.conf');
    const e = error();
    // Where transparent huge pages are not built in, sysfs still answers for /sys itself: the check is by type.
    if (fs.existsSync('/sys/kernel/mm/transparent_hugepage/enabled')) {
      expect(e.message).toBe('cannot read /sys.conf: a file of the sysfs kernel filesystem, not configuration');
    } else {
      expect(e.code).toBe('MP103');
    }
  });
});

describe('what an include loads is bounded in files, bytes and directory entries, not only in statements', () => {
  it(`a directory included over and over stops at ${MAX_FILE_LOADS} files loaded (MP104)`, () => {
    for (let i = 0; i < 100; i++) write(`${DEF}/many/${String(i).padStart(3, '0')}.conf`, '');
    // 200 include statements (far under the statement cap) of 100 files: 20,000 loads.
    write(`${DEF}/ecelerity.conf`, 'include "many"\n'.repeat(200));
    const e = error();
    expect(e.code).toBe('MP104');
    expect(e.message).toBe(`more than ${MAX_FILE_LOADS} files loaded: the configuration includes too much (files are counted at each include)`);
    // The top file is one load, 99 includes are 9,900 more: the 100th include passes the cap.
    expect(e.location).toEqual({ file: `${DEF}/ecelerity.conf`, line: 100, column: 9 });
  });

  it(`a file included again counts its bytes again: past ${MAX_LOADED_BYTES} bytes is MP104`, () => {
    write(`${DEF}/big.conf`, `# ${'x'.repeat(8 * 1024 * 1024)}\n`);
    write(`${DEF}/ecelerity.conf`, 'include "big.conf"\n'.repeat(9));
    const e = error();
    expect(e.code).toBe('MP104');
    expect(e.message).toBe(`more than ${MAX_LOADED_BYTES} bytes of configuration loaded: the configuration includes too much (files are counted at each include)`);
    expect(e.location?.line).toBe(8);
  });

  it('a file that would take the read past the byte budget is refused without being read whole', () => {
    write(`${DEF}/a.conf`, `# ${'x'.repeat(15 * 1024 * 1024)}\n`);
    write(`${DEF}/b.conf`, `# ${'y'.repeat(15 * 1024 * 1024)}\n`);
    write(`${DEF}/ecelerity.conf`, 'include "a.conf"\ninclude "a.conf"\ninclude "a.conf"\ninclude "a.conf"\ninclude "b.conf"\n');
    const e = error();
    expect(e.code).toBe('MP104');
    expect(e.message).toBe(`cannot read ${DEF}/b.conf: it would take the configuration past ${MAX_LOADED_BYTES} bytes loaded`);
  });

  it(`a directory include stops listing after ${MAX_DIR_ENTRIES} entries in all (MP104)`, () => {
    const d = dir + `${DEF}/huge`;
    fs.mkdirSync(d, { recursive: true });
    // Hidden names (and sub-directories) load nothing but count: listing them is the work.
    for (let i = 0; i < 2_000; i++) fs.writeFileSync(`${d}/.${i}`, '');
    write(`${DEF}/ecelerity.conf`, 'include "huge"\n'.repeat(60));
    const e = error();
    expect(e.code).toBe('MP104');
    expect(e.message).toBe(`more than ${MAX_DIR_ENTRIES} directory entries listed: the configuration includes too much (files are counted at each include)`);
    expect(e.location?.line).toBe(51);
  });
});
