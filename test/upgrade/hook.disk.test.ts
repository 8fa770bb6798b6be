/**
 * `hook` and `snapshot` through the CLI wiring, in-process, on a real temporary root as root: where the
 * files go, what is logged, and that nothing but --strict makes a hook fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { runHook } from '../../src/commands/hook.js';
import { readSnapshot } from '../../src/snapshot/reader.js';
import { baseRoot, CONF, mkdir, put, st, workspace, type Workspace } from './packaging.js';
import { asRoot } from '../support/root.js';

const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
const SNAPS = 'var/lib/momentum-perms/snapshots';

let ws: Workspace;
let root: string;
let savedPath: string | undefined;

/** A small compliant install. */
function install(): void {
  for (const d of ['/opt/msys/ecelerity/etc/conf', '/opt/msys/ecelerity/etc/conf/default']) mkdir(root, d, 500, 500, 0o755);
  put(root, CONF_PATH, 500, 500, 0o644, CONF);
  mkdir(root, '/opt/msys/ecelerity/bin', 0, 0, 0o755);
  put(root, '/opt/msys/ecelerity/bin/ec_ctl', 0, 0, 0o755);
  mkdir(root, '/var/log/ecelerity', 500, 500, 0o750);
  put(root, '/var/log/ecelerity/mainlog.ec', 500, 500, 0o600);
  mkdir(root, '/var/spool/ecelerity', 500, 500, 0o750);
  mkdir(root, '/var/spool/ecelerity/A', 500, 500, 0o750);
  put(root, '/var/spool/ecelerity/A/1.data', 500, 500, 0o640);
}

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo();
  const status = await main(['node', 'momentum-perms', ...args], io);
  return { status, out: io.stdout(), err: io.stderr() };
}

beforeEach(() => {
  ws = workspace('mp-hook-');
  root = baseRoot(ws.dir);
  install();
  // The fake logger (records, never reaches this machine's syslog) is found through PATH.
  savedPath = process.env['PATH'];
  process.env['PATH'] = ws.env['PATH'];
});
afterEach(() => {
  process.env['PATH'] = savedPath;
  ws.cleanup();
});

describe.runIf(asRoot)('snapshot command', () => {
  it('writes a root-only file in STATE-DIR/snapshots under --root and says what to run next', async () => {
    const r = await cli(['snapshot', '--root', root]);
    expect(r.status, r.err).toBe(0);
    const names = fs.readdirSync(path.join(root, SNAPS));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.snap$/);
    expect(st(root, `/${SNAPS}`)).toBe('0:0 0700');
    expect(st(root, `/${SNAPS}/${names[0]}`)).toBe('0:0 0600');
    expect(r.out).toContain(`Next: after the upgrade, see what it changed: momentum-perms audit --since /${SNAPS}/${names[0]} --root ${root}`);
    expect(r.out).toContain('Left out: /var/spool/ecelerity (add --include-spool');
    const snap = await readSnapshot(path.join(root, SNAPS, names[0] ?? ''));
    expect(snap.get(CONF_PATH)).toMatchObject({ uid: 500, gid: 500, mode: 0o644, type: 'file' });
    expect(snap.lookup('/var/spool/ecelerity/A/1.data')).toBe(-1);
  });

  it('--out names the file (under --root), --include-spool records the spool, --json prints the result', async () => {
    mkdir(root, '/root', 0, 0, 0o700);
    const r = await cli(['snapshot', '--root', root, '--out', '/root/before.snap', '--include-spool', '--json']);
    expect(r.status, r.err).toBe(0);
    const j = JSON.parse(r.out) as { path: string; entries: number; excluded: string[]; user: { name: string; id: number } };
    expect(j).toMatchObject({ path: '/root/before.snap', excluded: [], user: { name: 'ecuser', id: 500 } });
    const snap = await readSnapshot(path.join(root, 'root/before.snap'));
    expect(snap.size).toBe(j.entries);
    expect(snap.get('/var/spool/ecelerity/A/1.data')?.mode).toBe(0o640);
  });

  it('refuses to write into a directory someone else can write (status 2, MP303)', async () => {
    mkdir(root, '/shared', 0, 0, 0o1777);
    const r = await cli(['snapshot', '--root', root, '--out', '/shared/x.snap']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^error MP303: .*\/shared .*writable by an account other than root/m);
    expect(fs.readdirSync(path.join(root, 'shared'))).toEqual([]);
  });
});

describe.runIf(asRoot)('hook command', () => {
  it('pre-upgrade snapshots to the well-known name, taking the root from DPKG_ROOT, and logs it', async () => {
    const io = memoryIo();
    expect(await runHook('pre-upgrade', {}, io, { DPKG_ROOT: root })).toBe(0);
    expect(fs.readdirSync(path.join(root, SNAPS))).toEqual(['pre-upgrade.snap']);
    const line = /^momentum-perms: pre-upgrade: snapshot of \d+ entries written to \/var\/lib\/momentum-perms\/snapshots\/pre-upgrade\.snap \(user ecuser 500, group ecuser 500\); left out: \/var\/spool\/ecelerity$/m;
    expect(io.stdout()).toMatch(line);
    expect(fs.readFileSync(path.join(root, 'var/log/momentum-perms.log'), 'utf8')).toMatch(/^\S+Z momentum-perms\[\d+\]: notice: pre-upgrade: snapshot of/);
    expect(fs.readFileSync(ws.syslogFile, 'utf8')).toMatch(/^-t momentum-perms -p user\.notice -- pre-upgrade: snapshot of/);
  });

  it('--root wins over DPKG_ROOT; --log-file and --no-syslog are honoured', async () => {
    const r = await cli(['hook', 'pre-upgrade', '--root', root, '--log-file', '/var/log/hooks.log', '--no-syslog']);
    expect(r.status, r.err).toBe(0);
    expect(fs.existsSync(path.join(root, 'var/log/hooks.log'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'var/log/momentum-perms.log'))).toBe(false);
    expect(fs.existsSync(ws.syslogFile)).toBe(false);
  });

  it('post-upgrade restores from the snapshot, then keeps it as last-upgrade.snap', async () => {
    await runHook('pre-upgrade', { root }, memoryIo(), {});
    fs.chmodSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), 0o644);
    fs.chownSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), 0, 0);
    const io = memoryIo();
    expect(await runHook('post-upgrade', { root }, io, {})).toBe(0);
    expect(st(root, '/var/log/ecelerity/mainlog.ec')).toBe('500:500 0600');
    expect(io.stdout()).toMatch(/post-upgrade: fixed 1 \(1 to the pre-upgrade values, 0 to a re-created account's new id\)/);
    expect(fs.readdirSync(path.join(root, SNAPS))).toEqual(['last-upgrade.snap']);
  });

  it('post-upgrade without a snapshot fixes by the rules alone', async () => {
    fs.chmodSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), 0o666);
    const io = memoryIo();
    expect(await runHook('post-upgrade', { root }, io, {})).toBe(0);
    expect(io.stdout()).toContain('post-upgrade: no /var/lib/momentum-perms/snapshots/pre-upgrade.snap and no baseline /var/lib/momentum-perms/snapshots/baseline.snap; fixing by the rules alone');
    expect(st(root, '/var/log/ecelerity/mainlog.ec')).toBe('500:500 0664');
  });

  it('a pre-upgrade snapshot older than a day is not restored from', async () => {
    await runHook('pre-upgrade', { root }, memoryIo(), {});
    fs.chmodSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), 0o640);
    const later = new Date(Date.now() + 2 * 24 * 3600 * 1000);
    const io = memoryIo();
    const { runHookPhase } = await import('../../src/upgrade/hook.js');
    const { hookLog } = await import('../../src/upgrade/log.js');
    const log = hookLog({ root: { dir: root }, logFile: null, syslog: false, out: io.out, err: io.err });
    expect((await runHookPhase('post-upgrade', { root, now: () => later }, log)).status).toBe(0);
    expect(io.stdout()).toMatch(/post-upgrade: \/var\/lib\/momentum-perms\/snapshots\/pre-upgrade\.snap of .* is too old to describe this upgrade and no baseline .*; fixing by the rules alone/);
    expect(st(root, '/var/log/ecelerity/mainlog.ec')).toBe('500:500 0640');
  });

  it('never fails the package transaction unless --strict', async () => {
    put(root, CONF_PATH, 500, 500, 0o644, 'Security {\n  user = = "ecuser"\n}\n');
    const lenient = await cli(['hook', 'post-upgrade', '--root', root]);
    expect(lenient.status).toBe(0);
    expect(lenient.out).toMatch(/^momentum-perms: post-upgrade: could not do its job: MP101 .*ecelerity\.conf:2:\d+\); run momentum-perms hook post-upgrade once it is fixed \(the package transaction goes on\)$/m);
    expect(fs.readFileSync(path.join(root, 'var/log/momentum-perms.log'), 'utf8')).toMatch(/err: post-upgrade: could not do its job: MP101/);
    const strict = await cli(['hook', 'post-upgrade', '--root', root, '--strict']);
    expect(strict.status).toBe(2);
  });

  it('--strict returns the fix status: 1 when drift remains (a refused hard link)', async () => {
    fs.chmodSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), 0o666);
    fs.linkSync(path.join(root, 'var/log/ecelerity/mainlog.ec'), path.join(root, 'var/log/ecelerity/second-name'));
    expect((await cli(['hook', 'post-upgrade', '--root', root])).status).toBe(0);
    const strict = await cli(['hook', 'post-upgrade', '--root', root, '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.out).toMatch(/post-upgrade: fixed 0, refused 2, failed 0/);
  });

  it('a syslog that fails and a log file that cannot be written do not fail the hook', async () => {
    const broken = workspace('mp-hook-nolog-', 1);
    process.env['PATH'] = broken.env['PATH'];
    try {
      fs.symlinkSync(path.join(ws.dir, 'victim'), path.join(root, 'var/log/momentum-perms.log'));
      const r = await cli(['hook', 'pre-upgrade', '--root', root]);
      expect(r.status).toBe(0);
      expect(fs.existsSync(path.join(ws.dir, 'victim'))).toBe(false);
      expect(r.err).toContain('cannot write log file /var/log/momentum-perms.log: ELOOP (continuing)');
      expect(r.err).toContain('syslog is not available (logger failed); continuing');
      expect(fs.readdirSync(path.join(root, SNAPS))).toEqual(['pre-upgrade.snap']);
    } finally {
      broken.cleanup();
    }
  });

  it('an unknown phase is a usage error', async () => {
    const r = await cli(['hook', 'mid-upgrade', '--root', root]);
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown hook phase "mid-upgrade"');
  });
});
