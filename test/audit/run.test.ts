import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { auditBound, exitStatusOf } from '../../src/audit/run.js';
import type { FsLike } from '../../src/io/fs.js';
import type { Finding, Verdict } from '../../src/types.js';
import { fakeBound } from './fake-rules.js';

function memRoot(files: Record<string, string | null>, owners: Record<string, [number, number, number]>) {
  const vol = Volume.fromJSON(files);
  const fs = createFsFromVolume(vol);
  // memfs makes every directory 0777: a real system's directories above the trees are root's 0755 (the
  // audit reports any another account could write).
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) for (let d = f.slice(0, f.lastIndexOf('/')); d !== ''; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  for (const d of [...dirs, '/']) fs.chmodSync(d, 0o755);
  // Deepest first: memfs checks permission bits even for root, so a parent made 0750 for uid 500 first
  // would shut the rest out.
  for (const p of Object.keys(owners).sort((a, b) => b.split('/').length - a.split('/').length)) {
    const o = owners[p]!;
    fs.chownSync(p, o[0], o[1]);
    fs.chmodSync(p, o[2]);
  }
  return { fs: fs as unknown as FsLike, raw: fs };
}

function run(fs: FsLike, bound: ReturnType<typeof fakeBound>) {
  const findings: Finding[] = [];
  const verdicts: Verdict[] = [];
  const summary = auditBound(bound, {
    fs,
    root: { dir: '/r' },
    crossFilesystems: false,
    onFinding: (f) => findings.push(f),
    onVerdict: (v) => verdicts.push(v),
  });
  return { summary, findings, verdicts, pairs: findings.map((f) => `${f.check} ${f.path}`).sort() };
}

describe('auditBound', () => {
  const ok: [number, number, number] = [500, 500, 0o640];
  const okDir: [number, number, number] = [500, 500, 0o755];

  it('walks every declared tree, checks each entry with its directory, and streams findings and verdicts', () => {
    const { fs } = memRoot(
      { '/r/var/spool/ecelerity/A/1.M': '', '/r/var/spool/ecelerity/A/2.M': '', '/r/var/log/ecelerity/mainlog.ec': '' },
      {
        '/r/var/spool/ecelerity': okDir,
        '/r/var/spool/ecelerity/A': okDir,
        '/r/var/spool/ecelerity/A/1.M': ok,
        '/r/var/spool/ecelerity/A/2.M': [0, 500, 0o640],
        '/r/var/log/ecelerity': okDir,
        '/r/var/log/ecelerity/mainlog.ec': [500, 500, 0o666],
      },
    );
    const bound = fakeBound({ trees: ['/var/spool/ecelerity', '/var/log/ecelerity', '/opt/msys/jlog'] });
    const r = run(fs, bound);
    expect(r.pairs).toEqual([
      'mode /var/log/ecelerity/mainlog.ec',
      'owner /var/spool/ecelerity/A/2.M',
      'world-writable /var/log/ecelerity/mainlog.ec',
    ]);
    expect(r.summary).toEqual({ examined: 6, findings: 3, errors: 0, vanished: 0 });
    expect(r.verdicts.map((v) => v.entry.path).sort()).toEqual(bound.calls.map((c) => c.path).sort());
    expect(bound.calls.find((c) => c.path === '/var/spool/ecelerity/A/1.M')?.parent).toBe('/var/spool/ecelerity/A');
    expect(exitStatusOf(r.summary)).toBe(1);
  });

  it('reports a configuration path outside the trees without walking it, and judges it with tree null', () => {
    const { fs } = memRoot({ '/r/etc/passwd': '', '/r/etc/shadow': '', '/r/var/spool/ecelerity': null }, { '/r/etc': [0, 0, 0o755], '/r/var/spool/ecelerity': okDir });
    const outside = [
      { option: 'spoolbase', path: '/etc', source: '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf:3', kind: 'spool' as const },
      { option: 'ec_logger.mainlog', path: '/srv/logs/main.ec', source: 'default', kind: 'log' as const },
      { option: 'dkim.key', path: '/keys/*/*.key', source: 'x.conf:9', kind: 'private-key' as const, pattern: true, raw: '/keys/%{d}/%{s}.key' },
    ];
    const r = run(fs, fakeBound({ trees: ['/var/spool/ecelerity'], outside }));
    expect(r.pairs).toEqual([
      'group /etc',
      'outside-tree /etc',
      'outside-tree /keys/*/*.key',
      'outside-tree /srv/logs/main.ec',
      'owner /etc',
    ]);
    expect(r.verdicts.map((v) => [v.entry.path, v.tree])).toEqual([
      ['/var/spool/ecelerity', '/var/spool/ecelerity'],
      ['/etc', null],
    ]);
    const out = r.findings.filter((f) => f.check === 'outside-tree');
    expect(out.map((f) => f.actual)).toEqual(['dir 0:0 0755', 'missing', 'template /keys/%{d}/%{s}.key (not expanded)']);
    expect(out[0]?.message).toContain('spoolbase (/opt/msys/ecelerity/etc/conf/default/ecelerity.conf:3)');
    expect(r.summary.examined).toBe(2);
  });

  it('reports required paths that are missing, and only those', () => {
    const { fs } = memRoot({ '/r/opt/msys/ecelerity/etc/license': '' }, {});
    const required = [
      { path: '/opt/msys/ecelerity/etc/license', rule: 'fake.rules:20' },
      { path: '/opt/msys/ecelerity/etc/conf', rule: 'fake.rules:21' },
      { path: '/opt/msys/ecelerity/etc/license/x', rule: 'fake.rules:22' },
    ];
    const r = run(fs, fakeBound({ trees: [], required }));
    expect(r.findings).toEqual([
      { path: '/opt/msys/ecelerity/etc/conf', check: 'missing', expected: 'exists', actual: 'missing', rule: 'fake.rules:21', message: 'required path does not exist' },
      { path: '/opt/msys/ecelerity/etc/license/x', check: 'missing', expected: 'exists', actual: 'missing', rule: 'fake.rules:22', message: 'required path does not exist' },
    ]);
  });

  it('turns an unreadable directory into an error finding, counts it, and exits 3 over findings', () => {
    const { fs, raw } = memRoot({ '/r/t/locked/x': '', '/r/t/open': '' }, { '/r/t': okDir, '/r/t/open': [0, 0, 0o640] });
    raw.chmodSync('/r/t/locked', 0);
    const r = run(fs, fakeBound({ trees: ['/t'] }));
    const errors = r.findings.filter((f) => f.check === 'error');
    expect(errors).toEqual([
      { path: '/t/locked', check: 'error', expected: null, actual: 'EACCES', rule: null, message: 'could not be examined: EACCES (permission denied)' },
    ]);
    expect(r.summary.errors).toBe(1);
    expect(r.summary.findings).toBe(r.findings.length);
    expect(exitStatusOf(r.summary)).toBe(3);
  });

  it('exits 0 when everything complies', () => {
    const { fs } = memRoot({ '/r/t/a': '' }, { '/r/t': okDir, '/r/t/a': ok });
    const r = run(fs, fakeBound({ trees: ['/t'] }));
    expect(r.summary).toEqual({ examined: 2, findings: 0, errors: 0, vanished: 0 });
    expect(exitStatusOf(r.summary)).toBe(0);
  });
});
