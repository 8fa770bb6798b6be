/**
 * Files another account owns, read by a root run: a lease on its own file must not stall the run, and a
 * huge file in place of the local rules must not be read whole before it is refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MpError } from '../../src/errors.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { loadRules, RULES_MAX_BYTES } from '../../src/rules/load.js';
import { loadSnapshot } from '../../src/snapshot/index.js';
import { asRoot, tempDir, type TempDir } from '../support/root.js';

const UID = 4711;
// A write lease (F_SETLEASE, F_WRLCK) held by the file's owner: another open blocks up to the kernel's
// lease-break time (/proc/sys/fs/lease-break-time, 45 s) unless it is O_NONBLOCK.
const LEASE = `
import fcntl, os, signal, sys, time
signal.signal(signal.SIGIO, lambda *a: None)
fd = os.open(sys.argv[1], os.O_WRONLY)
fcntl.fcntl(fd, 1024, fcntl.F_WRLCK)
print("held", flush=True)
time.sleep(60)
`;
// The system's python (a per-user one, such as pyenv's, cannot be run by another uid).
const havePython = spawnSync('/usr/bin/python3', ['-c', 'import fcntl']).status === 0;
const haveSetpriv = spawnSync('setpriv', ['--version']).status === 0;

let t: TempDir | undefined;
afterEach(() => t?.cleanup());

describe.runIf(asRoot)('files another account owns, read as root', () => {
  it.runIf(havePython && haveSetpriv)('a lease on a snapshot the service account owns does not stall the run: refused at once', async () => {
    t = tempDir('lease', 0o755);
    fs.mkdirSync(t.h('ec'));
    fs.chownSync(t.h('ec'), UID, UID);
    fs.writeFileSync(t.h('ec/snap'), 'junk');
    fs.chownSync(t.h('ec/snap'), UID, UID);
    const holder = spawn('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', '/usr/bin/python3', '-c', LEASE, t.h('ec/snap')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ok, fail) => {
        holder.stdout.once('data', () => ok());
        holder.once('exit', (code) => fail(new Error(`lease holder exited ${code}`)));
      });
      // Without O_NONBLOCK on the reopen this call waits 45 s for the lease to break, past this test's limit.
      const err = await loadSnapshot('/ec/snap', t.dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MpError);
      expect((err as MpError).code).toBe('MP302');
    } finally {
      holder.kill('SIGKILL');
    }
  }, 20_000);

  it('a local rules file larger than the limit is refused unread, whoever owns it', () => {
    t = tempDir('big-rules', 0o755);
    fs.mkdirSync(t.h('etc/momentum-perms'), { recursive: true });
    // Sparse: RULES_MAX_BYTES + 1 bytes of nothing, on disk almost nothing.
    const fd = fs.openSync(t.h('etc/momentum-perms/local.rules'), 'w', 0o644);
    fs.ftruncateSync(fd, RULES_MAX_BYTES + 1);
    fs.closeSync(fd);
    expect(() => loadRules(realFs, makeRoot(t!.dir), { version: '4.x' })).toThrow(/larger than/);
  });
});
