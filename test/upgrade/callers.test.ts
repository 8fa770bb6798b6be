/**
 * The snippets of packaging/ that cron, systemd and RPM run, exercised as shipped (and as README.md
 * prints them). Two substitutions are made, and each must happen exactly once, so that a changed snippet
 * fails here instead of being tested half: ` --root ROOT` is appended (this machine has no Momentum at /),
 * and the node_exporter textfile directory becomes a temporary one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseRoot, CONF, ensureBuilt, mkdir, packagingFile, put, REPO, st, workspace, type Workspace } from './packaging.js';

const asRoot = process.getuid?.() === 0;
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter/';
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

/** The snippet's command with the two documented substitutions. */
function localise(command: string): string {
  const count = command.split(TEXTFILE_DIR).length - 1;
  expect(count, `textfile directory in: ${command}`).toBeLessThanOrEqual(1);
  return `${command.replace(TEXTFILE_DIR, `${ws.dir}/textfile/`)} --root ${root}`;
}

function sh(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number; out: string; err: string } {
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', ...args], { env: { ...ws.env, ...env }, encoding: 'utf8' });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Parse node_exporter metrics with prometheus_client; returns name{labels} → value. */
function metrics(file: string): Map<string, number> {
  const py = `
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value}")
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  ws = workspace('mp-callers-');
  root = baseRoot(ws.dir);
  install();
  fs.mkdirSync(path.join(ws.dir, 'textfile'));
});
afterEach(() => ws.cleanup());

describe.runIf(asRoot)('cron.d', () => {
  const text = packagingFile('cron.d/momentum-perms');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const env = lines.filter((l) => /^[A-Z_]+=/.test(l));
  const jobs = lines.filter((l) => !/^[A-Z_]+=/.test(l)).map((l) => {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(l);
    if (!m) throw new Error(`not a cron.d job line: ${l}`);
    return { schedule: m.slice(1, 6), user: m[6], command: m[7] ?? '' };
  });

  it('has two hourly jobs run as root, and a PATH where momentum-perms is found', () => {
    expect(jobs).toHaveLength(2);
    for (const j of jobs) {
      expect(j.user).toBe('root');
      expect(j.schedule[0]).toMatch(/^\d+$/);
      expect(j.schedule.slice(1)).toEqual(['*', '*', '*', '*']);
    }
    expect(env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });

  it('writes node_exporter metrics that a Prometheus parser reads', () => {
    const job = jobs.find((j) => j.command.includes('--format prometheus'));
    expect(job).toBeDefined();
    const r = sh(localise(job?.command ?? ''));
    expect(r.status, r.err).toBe(0);
    expect(r.out).toBe('');
    const m = metrics(path.join(ws.dir, 'textfile/momentum_perms.prom'));
    expect(m.get('momentum_perms_last_run_success{}')).toBe(1);
    expect(m.get('momentum_perms_entries_examined{}')).toBeGreaterThan(5);
    expect(m.get('momentum_perms_findings{check="owner"}')).toBe(0);
    expect(m.get('momentum_perms_last_success_timestamp_seconds{}')).toBeGreaterThan(1.7e9);
  });

  it('the --quiet job prints nothing when all is well and a report (cron mails it) when not', () => {
    const job = jobs.find((j) => j.command.includes('--quiet'));
    expect(job).toBeDefined();
    const clean = sh(localise(job?.command ?? ''));
    expect([clean.status, clean.out, clean.err]).toEqual([0, '', '']);
    fs.chmodSync(path.join(root, LOG), 0o666);
    const drift = sh(localise(job?.command ?? ''));
    expect(drift.status).toBe(1);
    expect(drift.out).toContain(LOG);
  });
});

const haveSystemd = fs.existsSync('/usr/bin/systemd-analyze') && fs.existsSync('/usr/lib/systemd/system/sysinit.target');

describe.runIf(asRoot)('systemd service and timer', () => {
  const service = packagingFile('systemd/momentum-perms-audit.service');
  const timer = packagingFile('systemd/momentum-perms-audit.timer');

  it.runIf(haveSystemd)('pass systemd-analyze verify', () => {
    // A root of its own: systemd's units, the two files, and a momentum-perms where systemd looks for it.
    const sd = path.join(ws.dir, 'sd');
    fs.mkdirSync(path.join(sd, 'etc/systemd/system'), { recursive: true });
    fs.mkdirSync(path.join(sd, 'usr/lib/systemd'), { recursive: true });
    fs.mkdirSync(path.join(sd, 'usr/local/bin'), { recursive: true });
    fs.cpSync('/usr/lib/systemd/system', path.join(sd, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(sd, 'usr/local/bin/momentum-perms'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(sd, 'etc/systemd/system/momentum-perms-audit.service'), service);
    fs.writeFileSync(path.join(sd, 'etc/systemd/system/momentum-perms-audit.timer'), timer);
    const r = spawnSync(
      'systemd-analyze',
      ['--man=no', `--root=${sd}`, 'verify', ...['service', 'timer'].map((k) => path.join(sd, `etc/systemd/system/momentum-perms-audit.${k}`))],
      { encoding: 'utf8' },
    );
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('runs the audit hourly, and its ExecStart works; findings (1) do not fail the unit', () => {
    expect(timer).toMatch(/^OnCalendar=hourly$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
    expect(service).toMatch(/^SuccessExitStatus=1$/m);
    const exec = /^ExecStart=(.+)$/m.exec(service)?.[1] ?? '';
    const r = sh(localise(exec));
    expect(r.status, r.err).toBe(0);
    expect(metrics(path.join(ws.dir, 'textfile/momentum_perms.prom')).get('momentum_perms_last_run_success{}')).toBe(1);
  });
});

describe.runIf(asRoot)('RPM scriptlets', () => {
  const spec = packagingFile('rpm/scriptlets.spec');
  const section = (name: string): string => {
    const m = new RegExp(`^%${name}\\n([\\s\\S]*?)(?=^%|(?![\\s\\S]))`, 'm').exec(spec);
    if (!m?.[1]) throw new Error(`no %${name} section`);
    return m[1];
  };
  // rpm runs scriptlets chrooted into `rpm --root`, which a test cannot do (the root has no shell or node):
  // here they run on this machine with DPKG_ROOT naming the root, which the hook honours the same way.
  const inRoot = (): NodeJS.ProcessEnv => ({ DPKG_ROOT: root });

  it('%pre takes the snapshot on an upgrade ($1 >= 2) only', () => {
    const snaps = path.join(root, 'var/lib/momentum-perms/snapshots');
    expect(sh(section('pre'), ['1'], inRoot()).status).toBe(0);
    expect(fs.existsSync(path.join(snaps, 'pre-upgrade.snap'))).toBe(false);
    const r = sh(section('pre'), ['2'], inRoot());
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^momentum-perms: pre-upgrade: snapshot of \d+ entries/m);
    expect(fs.readdirSync(snaps)).toEqual(['pre-upgrade.snap']);
  });

  it('%posttrans fixes against it, bringing the local choice back', () => {
    fs.chmodSync(path.join(root, LOG), 0o640);
    sh(section('pre'), ['2'], inRoot());
    fs.chownSync(path.join(root, LOG), 0, 0);
    fs.chmodSync(path.join(root, LOG), 0o644);
    const r = sh(section('posttrans'), ['0'], inRoot());
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/post-upgrade: fixed 1 \(1 to the pre-upgrade values/);
    expect(st(root, LOG)).toBe('500:500 0640');
  });

  it('does nothing, and does not fail, where momentum-perms is not installed', () => {
    const bare = { PATH: '/usr/bin:/bin' };
    expect(sh(section('pre'), ['2'], bare).status).toBe(0);
    expect(sh(section('posttrans'), ['0'], bare).status).toBe(0);
  });
});

describe('README.md', () => {
  it('prints every packaging snippet exactly as shipped', () => {
    const doc = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const f of ['deb/preinst', 'deb/postinst', 'rpm/scriptlets.spec', 'cron.d/momentum-perms', 'systemd/momentum-perms-audit.service', 'systemd/momentum-perms-audit.timer']) {
      expect(doc, f).toContain('\n' + packagingFile(f).trimEnd() + '\n```');
    }
  });
});
