/**
 * The snippets of packaging/ that cron, systemd and RPM run, exercised as shipped (and as docs/packaging.md
 * prints them). Each runs with the program at /usr/bin/momentum-perms replaced by a wrapper that adds
 * `--root ROOT` (this machine has no Momentum at /), and the node_exporter textfile directory set with
 * MOMENTUM_PERMS_TEXTFILE_DIR, as the settings file would; every other word is as shipped.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseRoot, CLI, CONF, ensureBuilt, metrics, mkdir, packagingFile, put, REPO, st, workspace, type Workspace } from './packaging.js';
import { asRoot } from '../support/root.js';

const PROGRAM = '/usr/bin/momentum-perms';
const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
const LOG = '/var/log/ecelerity/mainlog.ec';

let ws: Workspace;
let root: string;

function install(): void {
  for (const d of ['/opt/msys/ecelerity/etc/conf', '/opt/msys/ecelerity/etc/conf/default']) mkdir(root, d, 500, 500, 0o755);
  put(root, CONF_PATH, 500, 500, 0o644, CONF);
  mkdir(root, '/var/log/ecelerity', 500, 500, 0o750);
  put(root, LOG, 500, 500, 0o600);
  mkdir(root, '/var/spool/ecelerity', 500, 500, 0o750);
}

/** The snippet with the program's absolute path pointing at the wrapper; it must name it at least once. */
function localise(command: string, program = path.join(ws.dir, 'mp')): string {
  expect(command, `${PROGRAM} in: ${command}`).toContain(PROGRAM);
  return command.replaceAll(PROGRAM, program);
}

function sh(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number; out: string; err: string } {
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', ...args], { env: { ...ws.env, MOMENTUM_PERMS_TEXTFILE_DIR: '/textfile', ...env }, encoding: 'utf8' });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const PROM = (): string => path.join(root, 'textfile/momentum_perms.prom');

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  ws = workspace('mp-callers-');
  root = baseRoot(ws.dir);
  install();
  fs.mkdirSync(path.join(root, 'textfile'));
  // The program as the package installs it, at this root.
  fs.writeFileSync(path.join(ws.dir, 'mp'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@" --root '${root}'\n`, { mode: 0o755 });
});
afterEach(() => ws.cleanup());

describe.runIf(asRoot)('cron.d (shipped as an example)', () => {
  const text = packagingFile('cron.d/momentum-perms');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const env = lines.filter((l) => /^[A-Z_]+=/.test(l));
  const jobs = lines.filter((l) => !/^[A-Z_]+=/.test(l)).map((l) => {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(l);
    if (!m) throw new Error(`not a cron.d job line: ${l}`);
    return { schedule: m.slice(1, 6), user: m[6], command: m[7] ?? '' };
  });
  const job = (): string => {
    // The lock file is this machine's /run: a run of its own here, so that parallel test runs do not meet.
    expect(jobs[0]?.command).toContain('flock -n /run/momentum-perms.cron.lock ');
    return localise(jobs[0]?.command ?? '').replace('/run/momentum-perms.cron.lock', path.join(ws.dir, 'cron.lock'));
  };

  it('has one hourly job run as root, by absolute path, under flock, nice and ionice, no % (cron would cut there)', () => {
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.user).toBe('root');
    expect(jobs[0]?.schedule[0]).toMatch(/^\d+$/);
    expect(jobs[0]?.schedule.slice(1)).toEqual(['*', '*', '*', '*']);
    expect(jobs[0]?.command).toMatch(/flock -n \S+ nice -n 10 ionice -c 3 /);
    expect(jobs[0]?.command).not.toContain('%');
    expect(env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('writes node_exporter metrics that promtool and a Prometheus parser accept, then refreshes the baseline', () => {
    const r = sh(job());
    expect([r.status, r.out, r.err]).toEqual([0, '', '']);
    const m = metrics(PROM());
    expect(m.get('momentum_perms_last_run_success{}')).toBe(1);
    expect(m.get('momentum_perms_entries_examined{}')).toBeGreaterThan(5);
    expect(m.get('momentum_perms_findings{check="owner"}')).toBe(0);
    expect(m.get('momentum_perms_last_success_timestamp_seconds{}')).toBeGreaterThan(1.7e9);
    expect(fs.existsSync(path.join(root, 'var/lib/momentum-perms/snapshots/baseline.snap'))).toBe(true);
  });

  it('puts drift in the metrics, not in a mail, and skips a run while another holds the lock', () => {
    fs.chmodSync(path.join(root, LOG), 0o666);
    const drift = sh(job());
    expect([drift.status, drift.out, drift.err]).toEqual([0, '', '']);
    expect(metrics(PROM()).get('momentum_perms_findings{check="world-writable"}')).toBe(1);
    fs.rmSync(PROM());
    const held = spawnSync('flock', [path.join(ws.dir, 'cron.lock'), '-c', job()], { env: { ...ws.env, MOMENTUM_PERMS_TEXTFILE_DIR: '/textfile' }, encoding: 'utf8' });
    expect(held.status).toBe(1);
    expect(fs.existsSync(PROM())).toBe(false);
  });
});

const haveSystemd = fs.existsSync('/usr/bin/systemd-analyze') && fs.existsSync('/usr/lib/systemd/system/sysinit.target');

/**
 * `systemd-analyze security --offline` exposure of the shipped service, measured with systemd 252: 1.0 (9.2
 * before hardening). Raising it fails here; lowering it further is welcome (then lower this too).
 */
const MAX_EXPOSURE = 1.0;

describe.runIf(asRoot)('systemd service and timer', () => {
  const service = packagingFile('systemd/momentum-perms-audit.service');
  const timer = packagingFile('systemd/momentum-perms-audit.timer');
  const unitFile = path.join(REPO, 'packaging/systemd/momentum-perms-audit.service');

  it.runIf(haveSystemd)('pass systemd-analyze verify', () => {
    // A root of its own: systemd's units, the two files, and the program where the package puts it.
    const sd = path.join(ws.dir, 'sd');
    fs.mkdirSync(path.join(sd, 'etc/systemd/system'), { recursive: true });
    fs.mkdirSync(path.join(sd, 'usr/lib/systemd'), { recursive: true });
    fs.mkdirSync(path.join(sd, 'usr/bin'), { recursive: true });
    fs.cpSync('/usr/lib/systemd/system', path.join(sd, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(sd, 'usr/bin/momentum-perms'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(sd, 'etc/systemd/system/momentum-perms-audit.service'), service);
    fs.writeFileSync(path.join(sd, 'etc/systemd/system/momentum-perms-audit.timer'), timer);
    const r = spawnSync(
      'systemd-analyze',
      ['--man=no', `--root=${sd}`, 'verify', ...['service', 'timer'].map((k) => path.join(sd, `etc/systemd/system/momentum-perms-audit.${k}`))],
      { encoding: 'utf8' },
    );
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it.runIf(haveSystemd)(`is hardened: systemd-analyze security --offline rates the service at most ${MAX_EXPOSURE}`, () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile], { encoding: 'utf8' });
    const m = /Overall exposure level for momentum-perms-audit\.service: (\d+\.\d+) (\S+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    process.stdout.write(`systemd-analyze security --offline: momentum-perms-audit.service exposure ${m?.[1]} ${m?.[2]}\n`);
    expect(Number(m?.[1])).toBeLessThanOrEqual(MAX_EXPOSURE);
    // Never MemoryDenyWriteExecute: node's JIT needs writable and executable memory.
    expect(service).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });

  it('runs hourly, audits then refreshes the baseline, by absolute path; findings (1) do not fail the unit', () => {
    expect(timer).toMatch(/^OnCalendar=hourly$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
    expect(service).toMatch(/^SuccessExitStatus=1$/m);
    expect(service).toMatch(/^TimeoutStartSec=\S+$/m);
    expect(service).toMatch(/^Documentation=\S+$/m);
    const execs = [...service.matchAll(/^ExecStart=(.+)$/gm)].map((m) => m[1] ?? '');
    expect(execs).toEqual([`${PROGRAM} audit --quiet --metrics`, `${PROGRAM} snapshot --baseline`]);
    fs.chmodSync(path.join(root, LOG), 0o666);
    // As systemd runs them: one after the other while each ends in a success status, with the unit's umask.
    for (const e of execs) {
      const r = sh(`umask 077; ${localise(e)}`);
      expect([0, 1], r.out + r.err).toContain(r.status);
    }
    const m = metrics(PROM());
    expect(m.get('momentum_perms_findings{check="world-writable"}')).toBe(1);
    // node_exporter runs as its own user: the file is readable whatever the unit's umask.
    expect(fs.statSync(PROM()).mode & 0o777).toBe(0o644);
    expect(fs.existsSync(path.join(root, 'var/lib/momentum-perms/snapshots/baseline.snap'))).toBe(true);
  });

  it('its commands work within the unit\'s bounds: its capabilities, no new privileges, / read-only but the ReadWritePaths', () => {
    // What a running systemd would enforce, emulated: setpriv sets the capability bounding set and
    // no_new_privs from the unit's own lines; in a mount namespace, the root is read-only but for the unit's
    // ReadWritePaths (which exist here: the package ships the state directory).
    const caps = /^CapabilityBoundingSet=(.+)$/m.exec(service)?.[1]?.split(/\s+/) ?? [];
    expect(caps.length).toBeGreaterThan(0);
    expect(service).toMatch(/^NoNewPrivileges=yes$/m);
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    const rw = [...service.matchAll(/^ReadWritePaths=(.+)$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/)).map((p) => p.replace(/^-/, ''));
    mkdir(root, '/var/lib/momentum-perms', 0, 0, 0o700);
    mkdir(root, '/var/lib/prometheus/node-exporter', 0, 0, 0o755);
    fs.chmodSync(path.join(root, LOG), 0o666);
    const binds = rw
      .filter((p) => fs.existsSync(path.join(root, p)))
      .map((p) => `mount --bind '${root}${p}' '${root}${p}' && mount -o remount,bind,rw '${root}${p}'`)
      .join(' && ');
    const bounding = ['-all', ...caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
    const execs = [...service.matchAll(/^ExecStart=(.+)$/gm)].map((m) => localise(m[1] ?? ''));
    const script =
      `mount --bind '${root}' '${root}' && mount -o remount,bind,ro '${root}' && ${binds} || exit 9\n` +
      execs.map((e) => `setpriv --bounding-set ${bounding} --inh-caps -all --no-new-privs -- sh -c 'umask 077; ${e}'; echo "status $?"`).join('\n');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
      env: { ...ws.env, MOMENTUM_PERMS_TEXTFILE_DIR: '/var/lib/prometheus/node-exporter' },
      encoding: 'utf8',
    });
    expect(r.stdout.match(/^status \d+$/gm), r.stdout + r.stderr).toEqual(['status 1', 'status 0']);
    const m = metrics(path.join(root, 'var/lib/prometheus/node-exporter/momentum_perms.prom'));
    expect(m.get('momentum_perms_findings{check="world-writable"}')).toBe(1);
    expect(fs.existsSync(path.join(root, 'var/lib/momentum-perms/snapshots/baseline.snap'))).toBe(true);
    // And the bounds bite: the same audit cannot write where the unit may not.
    const denied = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind '${root}' '${root}' && mount -o remount,bind,ro '${root}' && ${execs[0]}`], {
      env: { ...ws.env, MOMENTUM_PERMS_TEXTFILE_DIR: '/textfile' },
      encoding: 'utf8',
    });
    expect(denied.status, denied.stdout + denied.stderr).toBe(3);
    expect(denied.stdout + denied.stderr).toContain('EROFS');
  });

  it('the metrics directory is one setting, in the file the unit reads on Debian and on RHEL, and both writable', () => {
    const settings = packagingFile('default/momentum-perms');
    expect(settings).toMatch(/^#MOMENTUM_PERMS_TEXTFILE_DIR=\S+$/m);
    expect(service).toMatch(/^EnvironmentFile=-\/etc\/default\/momentum-perms$/m);
    expect(service).toMatch(/^EnvironmentFile=-\/etc\/sysconfig\/momentum-perms$/m);
    expect(service).toMatch(/^ReadWritePaths=-\/var\/lib\/prometheus\/node-exporter -\/var\/lib\/node_exporter\/textfile_collector$/m);
    expect(service).toMatch(/^ReadWritePaths=\/var\/lib\/momentum-perms$/m);
  });
});

describe.runIf(asRoot)('RPM scriptlets for self-built Momentum packages', () => {
  const spec = packagingFile('rpm/scriptlets.spec');
  const section = (name: string): string => {
    const m = new RegExp(`^%${name}\\n([\\s\\S]*?)(?=^%|(?![\\s\\S]))`, 'm').exec(spec);
    if (!m?.[1]) throw new Error(`no %${name} section`);
    return localise(m[1]);
  };
  // rpm runs scriptlets chrooted into `rpm --root`; here the wrapper gives the root (test/packaging/ runs
  // the tool's own rpm chrooted for real).
  const snaps = (): string => path.join(root, 'var/lib/momentum-perms/snapshots');

  it('%pre takes the snapshot on an upgrade ($1 >= 2) only', () => {
    expect(sh(section('pre'), ['1']).status).toBe(0);
    expect(fs.existsSync(path.join(snaps(), 'pre-upgrade.snap'))).toBe(false);
    const r = sh(section('pre'), ['2']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^momentum-perms: pre-upgrade: snapshot of \d+ entries/m);
    expect(fs.readdirSync(snaps())).toContain('pre-upgrade.snap');
  });

  it('%posttrans fixes against it, bringing the local choice back', () => {
    fs.chmodSync(path.join(root, LOG), 0o640);
    sh(section('pre'), ['2']);
    fs.chownSync(path.join(root, LOG), 0, 0);
    fs.chmodSync(path.join(root, LOG), 0o644);
    const r = sh(section('posttrans'), ['0']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/post-upgrade: fixed 1 \(1 to the pre-upgrade values/);
    expect(st(root, LOG)).toBe('500:500 0640');
  });

  it('never fails the transaction, and says so on stderr, where momentum-perms is not installed', () => {
    const missing = (name: string): string => localise(packagingFile('rpm/scriptlets.spec').split(`%${name}\n`)[1]?.split(/^%/m)[0] ?? '', path.join(ws.dir, 'missing/momentum-perms'));
    const pre = sh(missing('pre'), ['2']);
    expect(pre.status).toBe(0);
    expect(pre.err).toMatch(/^momentum-perms: hook pre-upgrade could not run .*run by hand: \S+ hook post-upgrade$/m);
    const post = sh(missing('posttrans'), ['0']);
    expect(post.status).toBe(0);
    expect(post.err).toMatch(/^momentum-perms: hook post-upgrade could not run .*run by hand: \S+ hook post-upgrade$/m);
  });
});

describe('docs/packaging.md', () => {
  it('prints every packaging snippet exactly as shipped', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/packaging.md'), 'utf8');
    for (const f of [
      'deb/preinst',
      'deb/postinst',
      'rpm/scriptlets.spec',
      'cron.d/momentum-perms',
      'systemd/momentum-perms-audit.service',
      'systemd/momentum-perms-audit.timer',
      'apt/80momentum-perms',
      'default/momentum-perms',
    ]) {
      expect(doc, f).toContain('\n' + packagingFile(f).trimEnd() + '\n```');
    }
    // The tool's rpm: its three transaction file triggers, as the spec has them.
    const spec = packagingFile('rpm/momentum-perms.spec');
    const triggers = spec.slice(spec.indexOf('%transfiletriggerun -- /opt/msys'), spec.indexOf('%changelog')).trimEnd();
    expect(triggers.match(/^%transfiletrigger(un|in|postun) -- \/opt\/msys$/gm)).toHaveLength(3);
    expect(doc).toContain('\n' + triggers + '\n```');
  });
});
