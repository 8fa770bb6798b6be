/**
 * The hooks as a package transaction drives them, on a real temporary root as root: one snapshot per
 * transaction however many packages run their steps, the baseline when there was none, the post-upgrade fix
 * scoped to the transaction's files, erase-only transactions, and failures that stay visible (log, status
 * file, metrics read by promtool, the audit's notice).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { processStart } from '../../src/io/lock.js';
import { readSnapshot } from '../../src/snapshot/reader.js';
import { baseRoot, cli as runCli, CONF, ensureBuilt, mkdir, put, st, workspace, type Workspace } from './packaging.js';
import { asRoot } from '../support/root.js';

const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
const KEY = '/opt/msys/ecelerity/etc/conf/default/tls.key';
const EC_CTL = '/opt/msys/ecelerity/bin/ec_ctl';
const JLOG = '/opt/msys/jlog/bin/jlogctl';
const SPOOL_FILE = '/var/spool/ecelerity/A/1.data';
const SNAPS = 'var/lib/momentum-perms/snapshots';
const TEXTFILE = '/var/lib/prometheus/node-exporter';

let ws: Workspace;
let root: string;
let savedPath: string | undefined;
let holder: ChildProcess | undefined;

function install(): void {
  for (const d of ['/opt/msys/ecelerity/etc/conf', '/opt/msys/ecelerity/etc/conf/default']) mkdir(root, d, 500, 500, 0o755);
  put(root, CONF_PATH, 500, 500, 0o644, CONF);
  put(root, KEY, 500, 500, 0o600);
  mkdir(root, '/opt/msys/ecelerity/bin', 0, 0, 0o755);
  put(root, EC_CTL, 0, 0, 0o755);
  mkdir(root, '/opt/msys/jlog/bin', 0, 0, 0o755);
  put(root, JLOG, 0, 0, 0o755);
  mkdir(root, '/var/log/ecelerity', 500, 500, 0o750);
  mkdir(root, '/var/spool/ecelerity', 500, 500, 0o750);
  mkdir(root, '/var/spool/ecelerity/A', 500, 500, 0o750);
  put(root, SPOOL_FILE, 500, 500, 0o640);
  mkdir(root, '/var/lib/prometheus', 0, 0, 0o755);
  mkdir(root, TEXTFILE, 0, 0, 0o755);
}

async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo();
  const status = await main(['node', 'momentum-perms', ...args], io);
  return { status, out: io.stdout(), err: io.stderr() };
}

const hook = (phase: string, ...extra: string[]): Promise<{ status: number; out: string; err: string }> =>
  cli(['hook', phase, '--root', root, '--no-syslog', ...extra]);

/** What a package's unpack does to a file: back to root and the package's mode. */
function reset(p: string, mode: number): void {
  fs.chownSync(path.join(root, p), 0, 0);
  fs.chmodSync(path.join(root, p), mode);
}

function snaps(): string[] {
  return fs.readdirSync(path.join(root, SNAPS)).sort();
}

function promtool(file: string): { status: number; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: fs.readFileSync(file), encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  ws = workspace('mp-txn-');
  root = baseRoot(ws.dir);
  install();
  savedPath = process.env['PATH'];
  process.env['PATH'] = ws.env['PATH'];
});
afterEach(() => {
  process.env['PATH'] = savedPath;
  holder?.kill('SIGKILL');
  holder = undefined;
  ws.cleanup();
});

describe.runIf(asRoot)('one snapshot per transaction', () => {
  it('a second pre-upgrade step keeps the pending snapshot: the first package’s local choices survive', async () => {
    // Local choices the rules allow: the key 0400, jlogctl 0750.
    fs.chmodSync(path.join(root, KEY), 0o400);
    fs.chmodSync(path.join(root, JLOG), 0o750);
    expect((await hook('pre-upgrade')).status).toBe(0);
    // Package A is unpacked (dpkg runs B's preinst after that): the key is the package's again.
    reset(KEY, 0o644);
    const second = await hook('pre-upgrade');
    expect(second.out).toMatch(/pre-upgrade: kept the pending snapshot \/var\/lib\/momentum-perms\/snapshots\/pre-upgrade\.snap of \S+Z: no post-upgrade step has used it yet/);
    reset(JLOG, 0o755);
    const post = await hook('post-upgrade');
    expect(post.out).toMatch(/post-upgrade: fixed 2 \(2 to the pre-upgrade values/);
    expect(st(root, KEY)).toBe('500:500 0400');
    expect(st(root, JLOG)).toBe('0:0 0750');
    expect(snaps()).toEqual(['last-upgrade.snap']);
  });

  it('a pending snapshot older than a day is replaced, and says so', async () => {
    await hook('pre-upgrade');
    const old = new Date(Date.now() - 25 * 3600 * 1000);
    fs.utimesSync(path.join(root, SNAPS, 'pre-upgrade.snap'), old, old);
    const r = await hook('pre-upgrade');
    expect(r.out).toMatch(/pre-upgrade: replacing .*pre-upgrade\.snap of \S+Z, older than 24 hours/);
    expect(r.out).toMatch(/pre-upgrade: snapshot of \d+ entries written/);
  });
});

describe.runIf(asRoot)('post-upgrade scope', () => {
  it('examines the non-spool trees and, in the spool, only the files the transaction listed', async () => {
    reset(CONF_PATH, 0o666);
    fs.chmodSync(path.join(root, SPOOL_FILE), 0o666);
    fs.chmodSync(path.join(root, '/var/spool/ecelerity/A'), 0o777);
    const r = await hook('post-upgrade');
    expect(r.status).toBe(0);
    expect(st(root, CONF_PATH)).toBe('500:500 0644');
    // The spool was not walked.
    expect(st(root, SPOOL_FILE)).toBe('500:500 0666');
    expect(st(root, '/var/spool/ecelerity/A')).toBe('500:500 0777');

    // Listed (as rpm's trigger hands them on standard input): the file and the directories above it.
    const list = path.join(ws.dir, 'files.txt');
    fs.writeFileSync(list, `/opt/msys/ecelerity/bin/ec_ctl\n${SPOOL_FILE}\n/var/spool/ecelerity/../../etc/shadow\nrelative/name\n`);
    const listed = await hook('post-upgrade', '--files-from', list);
    expect(listed.out).toMatch(/post-upgrade: fixed 2,.*; the transaction listed 4 files/);
    expect(st(root, SPOOL_FILE)).toBe('500:500 0640');
    expect(st(root, '/var/spool/ecelerity/A')).toBe('500:500 0750');
  });

  it('reads the list from standard input with --files-from -', () => {
    fs.chmodSync(path.join(root, SPOOL_FILE), 0o666);
    const r = spawnSync(path.join(ws.bin, 'momentum-perms'), ['hook', 'post-upgrade', '--root', root, '--no-syslog', '--files-from', '-'], {
      env: ws.env,
      input: `${SPOOL_FILE}\n`,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/the transaction listed 1 files/);
    expect(st(root, SPOOL_FILE)).toBe('500:500 0640');
  });
});

describe.runIf(asRoot)('the baseline', () => {
  it('post-upgrade without a pre-upgrade snapshot restores the local choices from the baseline, and says so', async () => {
    fs.chmodSync(path.join(root, KEY), 0o400);
    const b = await cli(['snapshot', '--baseline', '--root', root]);
    expect(b.status, b.err).toBe(0);
    expect(snaps()).toEqual(['baseline.snap']);
    // A plain `dpkg -i` of a new version: no pre-upgrade step ran.
    reset(KEY, 0o644);
    const r = await hook('post-upgrade');
    expect(r.out).toMatch(/post-upgrade: no .*pre-upgrade\.snap; restoring local choices from the baseline \/var\/lib\/momentum-perms\/snapshots\/baseline\.snap of \S+Z/);
    expect(r.out).toMatch(/fixed 1 \(1 to the baseline values/);
    expect(st(root, KEY)).toBe('500:500 0400');
    // The baseline stays for the next time.
    expect(snaps()).toEqual(['baseline.snap']);
  });

  it('is not refreshed while a pre-upgrade snapshot is pending (it would record the upgrade’s resets)', async () => {
    await hook('pre-upgrade');
    const b = await cli(['snapshot', '--baseline', '--root', root]);
    expect(b.status).toBe(3);
    expect(b.err).toMatch(/the baseline is not refreshed: .*pre-upgrade\.snap is pending/);
    expect(snaps()).toEqual(['pre-upgrade.snap']);
    expect((await cli(['snapshot', '--baseline', '--root', root, '--include-spool'])).status).toBe(2);
  });
});

describe.runIf(asRoot)('a configuration that does not parse', () => {
  it('still gets its pre-upgrade snapshot, of the shipped rules’ trees, and the choices come back once it is fixed', async () => {
    fs.chmodSync(path.join(root, KEY), 0o400);
    const good = fs.readFileSync(path.join(root, CONF_PATH), 'utf8');
    fs.writeFileSync(path.join(root, CONF_PATH), 'Security {\n  user = = "ecuser"\n}\n');
    const pre = await hook('pre-upgrade');
    expect(pre.status).toBe(0);
    expect(pre.out).toMatch(/pre-upgrade: MP101 .*; recording the trees of the shipped rules instead/);
    expect(pre.out).toMatch(/pre-upgrade: snapshot of \d+ entries written to .*pre-upgrade\.snap \(accounts unknown\)/);
    const snap = await readSnapshot(path.join(root, SNAPS, 'pre-upgrade.snap'));
    expect(snap.get(KEY)).toMatchObject({ uid: 500, mode: 0o400 });
    expect(snap.lookup(SPOOL_FILE)).toBe(-1);
    reset(KEY, 0o644);
    fs.writeFileSync(path.join(root, CONF_PATH), good);
    const post = await hook('post-upgrade');
    expect(post.out).toMatch(/fixed 1 \(1 to the pre-upgrade values, 0 to a re-created account's new id\)/);
    expect(post.out).not.toMatch(/re-created: id/);
    expect(st(root, KEY)).toBe('500:500 0400');
  });

  it('a spool path from the configuration does not take the install out of the snapshot', async () => {
    fs.writeFileSync(path.join(root, CONF_PATH), `${CONF}spoolbase = "/opt/msys/ecelerity"\n`);
    const pre = await hook('pre-upgrade');
    expect(pre.status).toBe(0);
    const snap = await readSnapshot(path.join(root, SNAPS, 'pre-upgrade.snap'));
    expect(snap.get(EC_CTL)).toMatchObject({ uid: 0, mode: 0o755 });
    expect(snap.header.excluded).toEqual(['/var/spool/ecelerity']);
  });
});

describe.runIf(asRoot)('erase-only transactions and failures', () => {
  it('post-transaction sets aside a snapshot no upgrade consumed', async () => {
    await hook('pre-upgrade');
    const r = await hook('post-transaction');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/post-transaction: the transaction installed nothing under the trees; the pre-upgrade snapshot is set aside as .*unused-pre-upgrade\.snap/);
    expect(snaps()).toEqual(['unused-pre-upgrade.snap']);
    // After an upgrade's post step there is nothing to do, and nothing is said.
    await hook('pre-upgrade');
    await hook('post-upgrade');
    const quiet = await hook('post-transaction');
    expect(quiet.out).toBe('');
  });

  it('a post-upgrade step that could not run stays visible: log, status, metrics, the audit’s notice', async () => {
    fs.chmodSync(path.join(root, KEY), 0o400);
    await hook('pre-upgrade');
    reset(KEY, 0o644);
    // Another run holds the lock.
    holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    const pid = holder.pid as number;
    fs.writeFileSync(path.join(root, 'var/lib/momentum-perms/lock'), `${pid} ${processStart(pid)}\n`, { mode: 0o600 });
    const post = await hook('post-upgrade');
    expect(post.status).toBe(0);
    expect(post.out).toMatch(/^momentum-perms: post-upgrade: could not do its job: MP301 .*; run momentum-perms hook post-upgrade once it is fixed \(the package transaction goes on\)$/m);
    expect(fs.readFileSync(path.join(root, 'var/log/momentum-perms.log'), 'utf8')).toMatch(/err: post-upgrade: could not do its job: MP301/);

    const status = JSON.parse(fs.readFileSync(path.join(root, 'var/lib/momentum-perms/hook-status.json'), 'utf8')) as Record<string, { status: number }>;
    expect(status['post-upgrade']?.status).toBe(3);
    expect(status['pre-upgrade']?.status).toBe(0);
    expect(st(root, '/var/lib/momentum-perms/hook-status.json')).toBe('0:0 0600');
    const prom = path.join(root, TEXTFILE, 'momentum_perms_hook.prom');
    expect(st(root, `${TEXTFILE}/momentum_perms_hook.prom`)).toBe('0:0 0644');
    const text = fs.readFileSync(prom, 'utf8');
    expect(text).toContain('momentum_perms_hook_last_status{phase="post-upgrade"} 3');
    expect(text).toContain('momentum_perms_hook_last_status{phase="pre-upgrade"} 0');
    const check = promtool(prom);
    expect(check.status, check.out).toBe(0);

    // The transaction ends: the snapshot is kept for a person, and the end step says why.
    const end = await hook('post-transaction');
    expect(end.out).toMatch(/post-transaction: the post-upgrade step failed; .*pre-upgrade\.snap is kept: run momentum-perms hook post-upgrade/);
    expect(snaps()).toEqual(['pre-upgrade.snap']);

    // The audit points at the hook, not at fix.
    const a = await cli(['audit', '--root', root]);
    expect(a.err).toMatch(/a pre-upgrade snapshot of \S+Z is pending .*Next: momentum-perms hook post-upgrade --root \S+ +# not fix/);

    // Once the lock is free, the hook a person runs brings the choice back and clears the failure.
    holder.kill('SIGKILL');
    holder = undefined;
    await new Promise((r) => setTimeout(r, 100));
    const again = await hook('post-upgrade');
    expect(again.out).toMatch(/fixed 1 \(1 to the pre-upgrade values/);
    expect(st(root, KEY)).toBe('500:500 0400');
    expect(fs.readFileSync(prom, 'utf8')).toContain('momentum_perms_hook_last_status{phase="post-upgrade"} 0');
    expect((await cli(['audit', '--root', root])).err).toBe('');
  });
});

describe.runIf(asRoot)('audit --metrics and --output', () => {
  it('--metrics writes the textfile directory’s momentum_perms.prom; MP305 when there is none', async () => {
    const r = await cli(['audit', '--root', root, '--metrics']);
    expect(r.status, r.err).toBe(0);
    const file = path.join(root, TEXTFILE, 'momentum_perms.prom');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^momentum_perms_last_run_success 1$/m);
    expect(promtool(file).status).toBe(0);
    // --textfile-dir is a Momentum path, under --root like every path the tool writes.
    mkdir(root, '/tf', 0, 0, 0o755);
    expect((await cli(['audit', '--root', root, '--metrics', '--textfile-dir', '/tf'])).status).toBe(0);
    expect(fs.existsSync(path.join(root, 'tf/momentum_perms.prom'))).toBe(true);
    expect((await cli(['audit', '--root', root, '--metrics', '--textfile-dir', '/nonexistent'])).status).toBe(3);
    fs.rmSync(path.join(root, TEXTFILE), { recursive: true });
    const none = await cli(['audit', '--root', root, '--metrics']);
    expect(none.status).toBe(3);
    expect(none.err).toMatch(/MP305: no node_exporter textfile directory: .*give --textfile-dir or set MOMENTUM_PERMS_TEXTFILE_DIR/);
    expect((await cli(['audit', '--root', root, '--metrics', '--format', 'json'])).status).toBe(2);
  });

  it('--output is 0644 whatever root’s umask (node_exporter reads it as its own user)', () => {
    const out = path.join(ws.dir, 'm.prom');
    const r = spawnSync('/bin/sh', ['-c', `umask 077; exec momentum-perms audit --root '${root}' --format prometheus --output '${out}'`], { env: ws.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o644);
    expect(runCli(ws, ['audit', '--root', root]).status).toBe(0);
  });
});

describe.runIf(asRoot)('audit --since --json', () => {
  it('carries what the text shows: counts, the changed entries that comply, and unrecorded findings', async () => {
    await hook('pre-upgrade');
    fs.chmodSync(path.join(root, EC_CTL), 0o700); // changed by the upgrade, still compliant
    reset(KEY, 0o644); // changed by the upgrade, a finding
    fs.chmodSync(path.join(root, SPOOL_FILE), 0o666); // in the spool, which the snapshot left out
    const r = await cli(['audit', '--root', root, '--json', '--since', `/${SNAPS}/pre-upgrade.snap`]);
    expect(r.status, r.err).toBe(1);
    // In the document, not on stderr beside it (stderr has only the pending-snapshot notice).
    expect(r.err).not.toMatch(/Since the snapshot/);
    const doc = JSON.parse(r.out) as {
      findings: { path: string; since?: string }[];
      since: { findings: Record<string, number>; changedCompliant: { total: number; entries: { path: string; restore: boolean }[] } };
    };
    expect(new Set(doc.findings.filter((f) => f.path === KEY).map((f) => f.since))).toEqual(new Set(['changed-by-upgrade']));
    expect(new Set(doc.findings.filter((f) => f.path === SPOOL_FILE).map((f) => f.since))).toEqual(new Set(['unrecorded']));
    expect(doc.since.changedCompliant.total).toBe(1);
    expect(doc.since.changedCompliant.entries[0]).toMatchObject({ path: EC_CTL, restore: true });
    expect(doc.since.findings['unrecorded']).toBeGreaterThan(0);
  });
});

describe.runIf(asRoot)('what the service account cannot steer through the hooks', () => {
  const AS_EC = ['setpriv', '--reuid=500', '--regid=500', '--clear-groups'];
  function asEcuser(script: string): void {
    const r = spawnSync(AS_EC[0] as string, [...AS_EC.slice(1), '/bin/sh', '-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }

  it('ids named in the configuration while a snapshot is taken never move orphaned files to the service account', async () => {
    // Files of ids no account has (a tarball install): root's secret tool with an orphan group, data with an orphan owner.
    put(root, '/opt/msys/ecelerity/bin/secret-tool', 0, 4321, 0o750, 'secret\n');
    mkdir(root, '/opt/msys/ecelerity/share', 0, 0, 0o755);
    put(root, '/opt/msys/ecelerity/share/data', 1234, 0, 0o600, 'x\n');
    const conf = path.join(root, CONF_PATH);
    asEcuser(`printf 'Security {\\n  user = "1234"\\n  group = "4321"\\n}\\n' > '${conf}'`);
    await hook('pre-upgrade');
    asEcuser(`printf 'Security {\\n  user = "ecuser"\\n  group = "ecuser"\\n}\\n' > '${conf}'`);
    const post = await hook('post-upgrade');
    expect(post.out).toMatch(/user changed from 1234 \(1234\) in the snapshot to ecuser \(500\); its \d+ entries are left as they are/);
    expect(post.out).not.toMatch(/the whole spool is examined/);
    expect(st(root, '/opt/msys/ecelerity/bin/secret-tool')).toBe('0:4321 0750');
    expect(st(root, '/opt/msys/ecelerity/share/data')).toBe('1234:0 0600');
  });

  it('a baseline older than the last post-upgrade step is not restored from, and never gives the service account a file back', async () => {
    mkdir(root, '/opt/msys/ecelerity/share', 0, 0, 0o755);
    put(root, '/opt/msys/ecelerity/share/notes', 500, 500, 0o644);
    fs.chmodSync(path.join(root, KEY), 0o400);
    expect((await cli(['snapshot', '--baseline', '--root', root])).status).toBe(0);
    // The administrator takes the notes back; an upgrade (no pre-upgrade step) resets the key.
    fs.chownSync(path.join(root, '/opt/msys/ecelerity/share/notes'), 0, 0);
    reset(KEY, 0o644);
    const first = await hook('post-upgrade');
    expect(first.out).toMatch(/restoring local choices from the baseline .* \(only those that take access away\)/);
    expect(st(root, '/opt/msys/ecelerity/share/notes')).toBe('0:0 0644');
    expect(st(root, KEY)).toBe('500:500 0400');
    // The next package's postinst of the same run, after the administrator loosened the key on purpose.
    fs.chmodSync(path.join(root, KEY), 0o600);
    const second = await hook('post-upgrade');
    expect(second.out).toMatch(/the baseline .* is older than the last post-upgrade step; fixing by the rules alone/);
    expect(st(root, KEY)).toBe('500:500 0600');
  });

  it('a failure stays on record whatever the length of what the configuration says', async () => {
    await hook('pre-upgrade');
    const conf = path.join(root, CONF_PATH);
    asEcuser(`printf 'Security {\\n  user = "%s"\\n}\\n' "$(head -c 70000 /dev/zero | tr '\\0' a)" > '${conf}'`);
    const post = await hook('post-upgrade');
    expect(post.out).toMatch(/could not do its job: MP105 /);
    expect(Math.max(...post.out.split('\n').map((l) => l.length))).toBeLessThan(2200);
    const status = fs.readFileSync(path.join(root, 'var/lib/momentum-perms/hook-status.json'), 'utf8');
    expect(status.length).toBeLessThan(4096);
    expect((JSON.parse(status) as Record<string, { status: number }>)['post-upgrade']?.status).toBe(2);
    const end = await hook('post-transaction');
    expect(end.out).toMatch(/the post-upgrade step failed; .*pre-upgrade\.snap is kept/);
    expect(snaps()).toEqual(['pre-upgrade.snap']);
  });

  it('an unreadable status file is kept, and the pending snapshot with it', async () => {
    await hook('pre-upgrade');
    fs.writeFileSync(path.join(root, 'var/lib/momentum-perms/hook-status.json'), 'x'.repeat(70 * 1024), { mode: 0o600 });
    const end = await hook('post-transaction');
    expect(end.out).toMatch(/hook-status\.json cannot be read; it is left as it is/);
    expect(end.out).toMatch(/pre-upgrade\.snap is kept/);
    expect(snaps()).toEqual(['pre-upgrade.snap']);
    expect(fs.statSync(path.join(root, 'var/lib/momentum-perms/hook-status.json')).size).toBe(70 * 1024);
  });

  it('--files-from naming a FIFO does not hang the hook', async () => {
    const fifo = path.join(ws.dir, 'list.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await hook('post-upgrade', '--files-from', fifo);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/post-upgrade: cannot read the file list .*list\.fifo: not-regular; going on without it/);
    expect(r.out).toMatch(/post-upgrade: fixed /);
  });
});

describe.runIf(asRoot)('names from the disk in what the snapshot and --since print', () => {
  it('are escaped in the snapshot text and JSON, the --since lines and the --since JSON', async () => {
    const evil = '/opt/msys/ecelerity/bin/a\u001b[2J\u202Eb\nerror MP000: forged';
    put(root, evil, 0, 0, 0o755);
    const snap = await cli(['snapshot', '--root', root, '--json']);
    expect(snap.status, snap.err).toBe(0);
    expect(snap.out).not.toMatch(/[\u001b\u202e\u2028]/);
    await hook('pre-upgrade');
    fs.chmodSync(path.join(root, evil), 0o700); // changed by the upgrade, still compliant: listed by --since
    const text = await cli(['audit', '--root', root, '--since', `/${SNAPS}/pre-upgrade.snap`]);
    expect(text.out).toContain('a\\x1b[2J\\u202eb\\nerror MP000: forged');
    expect(text.out).not.toMatch(/^error MP000/m);
    expect(text.out).not.toMatch(/[\u001b\u202e]/);
    const json = await cli(['audit', '--root', root, '--json', '--since', `/${SNAPS}/pre-upgrade.snap`]);
    expect(json.out).not.toMatch(/[\u001b\u202e]/);
    expect((JSON.parse(json.out) as { since: { changedCompliant: { entries: { path: string }[] } } }).since.changedCompliant.entries[0]?.path).toBe(evil);
  });
});

describe.runIf(asRoot)('the tool upgraded in the same transaction as Momentum', () => {
  it('post-transaction (run first by rpm then) leaves the snapshot to the post-upgrade step that follows, which clears the mark', async () => {
    fs.chmodSync(path.join(root, KEY), 0o400);
    await hook('pre-upgrade');
    reset(KEY, 0o644);
    // What the package's %pre writes on an upgrade of the tool itself.
    fs.writeFileSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'), '');
    const end = await hook('post-transaction');
    expect(end.out).toMatch(/post-transaction: the tool itself is upgraded in this transaction; .*pre-upgrade\.snap is left for the post-upgrade step that follows/);
    expect(snaps()).toEqual(['pre-upgrade.snap']);
    const post = await hook('post-upgrade');
    expect(post.out).toMatch(/fixed 1 \(1 to the pre-upgrade values/);
    expect(st(root, KEY)).toBe('500:500 0400');
    expect(fs.existsSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'))).toBe(false);
    // A mark older than the pending snapshot is a leftover (a transaction that stopped after the tool's %pre).
    fs.writeFileSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'), '');
    const before = new Date(Date.now() - 60 * 1000);
    fs.utimesSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'), before, before);
    await hook('pre-upgrade');
    expect((await hook('post-transaction')).out).toMatch(/set aside as .*unused-pre-upgrade\.snap/);
    // An old mark (a transaction that never ran its post step) is not honoured.
    await hook('pre-upgrade');
    fs.writeFileSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'), '');
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(path.join(root, 'var/lib/momentum-perms/self-upgrade'), old, old);
    expect((await hook('post-transaction')).out).toMatch(/set aside as .*unused-pre-upgrade\.snap/);
  });
});
