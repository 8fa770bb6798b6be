import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/pipeline.js';
import type { Finding } from '../../src/types.js';
import { asRoot, BASIC_CONF, CONF_PATH, fakeRoot, type FakeRoot } from './fixture.js';

const uid = asRoot ? 500 : (process.getuid?.() ?? 0);
const gid = process.getgid?.() === 0 ? 500 : (process.getgid?.() ?? 0);
const DIRS = 32;
const FILES = 150;

// Another process removes and adds spool files and whole directories as fast as it can, the way a busy
// MTA does, while the audit reads the tree.
const CHURN = `
const fs = require('fs');
const [spool, uid, gid] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let n = 0;
process.stdout.write('ready\\n');
for (;;) {
  const d = spool + '/' + (n % ${DIRS}).toString(16).padStart(2, '0');
  const f = d + '/' + (n % ${FILES}) + '.M';
  try { fs.unlinkSync(f); } catch {}
  try { const fd = fs.openSync(d + '/new-' + n + '.H', 'wx', 0o640); fs.fchownSync(fd, uid, gid); fs.closeSync(fd); } catch {}
  try { fs.unlinkSync(d + '/new-' + (n - 200) + '.H'); } catch {}
  try { fs.writeFileSync(f, 'x', { mode: 0o640 }); fs.chownSync(f, uid, gid); } catch {}
  const sub = spool + '/tmp-' + (n % 7);
  try { fs.rmSync(sub, { recursive: true, force: true }); } catch {}
  try { fs.mkdirSync(sub, 0o750); fs.chownSync(sub, uid, gid); fs.writeFileSync(sub + '/x', ''); fs.chownSync(sub + '/x', uid, gid); } catch {}
  n++;
}
`;

describe('an audit of a tree that changes while it is read', () => {
  let root: FakeRoot;
  let churn: ChildProcess | undefined;
  beforeEach(() => {
    root = fakeRoot(
      `root:x:0:0::/root:/bin/sh\necuser:x:${uid}:${gid}::/:/sbin/nologin\n`,
      `root:x:0:\necuser:x:${gid}:\n`,
      BASIC_CONF,
    );
    root.file(CONF_PATH, uid, gid, 0o640, BASIC_CONF);
    root.dir_('/var/spool/ecelerity', uid, gid, 0o750);
    for (let d = 0; d < DIRS; d++) {
      const dir = `/var/spool/ecelerity/${d.toString(16).padStart(2, '0')}`;
      root.dir_(dir, uid, gid, 0o750);
      for (let f = 0; f < FILES; f++) root.file(`${dir}/${f}.M`, uid, gid, 0o640, 'x');
    }
  });
  afterEach(() => {
    churn?.kill('SIGKILL');
    churn = undefined;
    root.cleanup();
  });

  it('completes without error findings, counting what vanished', async () => {
    churn = spawn(process.execPath, ['-e', CHURN, root.host('/var/spool/ecelerity'), String(uid), String(gid)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ok, fail) => {
      churn!.stdout!.once('data', () => ok());
      churn!.once('exit', (code) => fail(new Error(`churn exited ${code}`)));
    });
    let vanished = 0;
    const errors: Finding[] = [];
    // The race is timing-dependent (the native walk examines each name microseconds after listing it): audit
    // until it has been hit often (ten vanished entries seen), at most 300 times or 40 seconds.
    const until = Date.now() + 40_000;
    for (let run = 0; run < 300 && (run < 3 || vanished < 10) && (vanished === 0 || Date.now() < until); run++) {
      const r = audit({
        root: root.dir,
        onFinding: (f) => {
          if (f.check === 'error') errors.push(f);
        },
      });
      expect(r.summary.errors).toBe(0);
      expect(r.summary.examined).toBeGreaterThan(DIRS * FILES / 2);
      vanished += r.summary.vanished;
      // Give the other process the CPU for a moment between runs.
      await new Promise((ok) => setTimeout(ok, 5));
    }
    expect(errors).toEqual([]);
    expect(vanished).toBeGreaterThan(0);
  }, 120_000);
});
