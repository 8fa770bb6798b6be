/**
 * `npm run package` (packaging/build.mjs): the rpm and the deb it builds, read back with rpm and dpkg-deb, and
 * judged by rpmlint and lintian. Every error they report is one docs/packaging.md "Packages" explains; a new one fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../upgrade/packaging.js';
import { buildToolPackages, have } from './system.js';
import { tempDir } from '../support/root.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const ready = have('rpm', 'rpmbuild', 'dpkg-deb');

let dir: string;
let pkgs: { rpm: string; deb: string };

beforeAll(() => {
  if (!ready) return;
  dir = tempDir('package').dir;
  pkgs = buildToolPackages(dir);
}, 180_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function out(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The program's own files, the same in both packages. */
function programFiles(list: string[]): string[] {
  return list.filter((p) => p.startsWith('/usr/lib/momentum-perms/') && !p.includes('/node_modules/')).sort();
}

describe.runIf(ready)('npm run package', () => {
  it('names the packages by version, release 1', () => {
    // Arch-specific: both ship the native helpers compiled for this machine.
    const rpmArch = out('rpm', ['--eval', '%{_arch}']).trim();
    const debArch = out('dpkg', ['--print-architecture']).trim();
    expect(path.basename(pkgs.rpm)).toBe(`momentum-perms-${VERSION}-1.${rpmArch}.rpm`);
    expect(path.basename(pkgs.deb)).toBe(`momentum-perms_${VERSION}-1_${debArch}.deb`);
  });

  it('the rpm: layout of a system tool, config files never overwritten, state 0700, nodejs >= 20, the three triggers', () => {
    const q = (fmt: string): string[] => out('rpm', ['-qp', '--qf', `[${fmt}\\n]`, pkgs.rpm]).trim().split('\n');
    const files = q('%{FILENAMES}');
    expect(files).toEqual(
      expect.arrayContaining([
        '/usr/bin/momentum-perms',
        '/usr/lib/momentum-perms/bin/momentum-perms.js',
        '/usr/lib/momentum-perms/dist/cli.js',
        '/usr/lib/momentum-perms/dist/bundle/cli.js',
        '/usr/lib/momentum-perms/package.json',
        '/usr/lib/momentum-perms/rules/4.x.rules',
        '/usr/lib/momentum-perms/rules/3.x.rules',
        '/usr/lib/systemd/system/momentum-perms-audit.service',
        '/usr/lib/systemd/system/momentum-perms-audit.timer',
        '/etc/momentum-perms/local.rules',
        '/etc/sysconfig/momentum-perms',
        '/var/lib/momentum-perms',
        '/usr/share/licenses/momentum-perms/LICENSE',
        '/usr/share/doc/momentum-perms/README.md',
        '/usr/share/doc/momentum-perms/docs/admin.md',
        '/usr/share/doc/momentum-perms/docs/security.md',
        '/usr/share/doc/momentum-perms/examples/cron.d/momentum-perms',
        '/usr/share/bash-completion/completions/momentum-perms',
        '/usr/share/zsh/site-functions/_momentum-perms',
      ]),
    );
    // Production dependencies only, and no type declarations.
    const modules = new Set(files.filter((f) => f.includes('/node_modules/')).map((f) => f.split('/node_modules/')[1]?.split('/')[0]));
    expect([...modules].sort()).toEqual(['chalk', 'commander']);
    // Compiled JavaScript and the native helpers only: no type declarations, no sources.
    expect(files.filter((f) => f.startsWith('/usr/lib/momentum-perms/dist/') && !f.endsWith('.js') && f.includes('.'))).toEqual(['/usr/lib/momentum-perms/dist/native/fsat.node']);
    // The cron file is an example, off by default.
    expect(files.filter((f) => f.startsWith('/etc/cron'))).toEqual([]);
    const cfg = out('rpm', ['-qp', '--configfiles', pkgs.rpm]).trim().split('\n').sort();
    expect(cfg).toEqual(['/etc/momentum-perms/local.rules', '/etc/sysconfig/momentum-perms']);
    // %config(noreplace): RPMFILE_CONFIG (1) | RPMFILE_NOREPLACE (16).
    const flags = new Map(q('%{FILENAMES} %{FILEFLAGS}').map((l) => l.split(' ') as [string, string]));
    for (const c of cfg) expect(Number(flags.get(c)) & 17, c).toBe(17);
    const modes = new Map(q('%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME}').map((l) => [l.split(' ')[0], l.split(' ').slice(1).join(' ')]));
    expect(modes.get('/var/lib/momentum-perms')).toBe('drwx------ root:root');
    expect(modes.get('/usr/bin/momentum-perms')).toBe('-rwxr-xr-x root:root');
    expect(out('rpm', ['-qp', '--requires', pkgs.rpm])).toMatch(/^nodejs >= 20$/m);
    const triggers = out('rpm', ['-qp', '--filetriggers', pkgs.rpm]);
    for (const [kind, cmd] of [
      ['transfiletriggerun', '/usr/bin/momentum-perms hook pre-upgrade --files-from -'],
      ['transfiletriggerin', '/usr/bin/momentum-perms hook post-upgrade --files-from -'],
      ['transfiletriggerpostun', '/usr/bin/momentum-perms hook post-transaction'],
    ] as const) {
      const body = triggers.split(/^(?=\w+ scriptlet)/m).find((s) => s.startsWith(`${kind} scriptlet`));
      expect(body, kind).toBeDefined();
      expect(body).toContain('/opt/msys');
      expect(body).toContain(cmd);
    }
  });

  it('the deb: the same program, conffiles, state 0700, Depends nodejs (>= 20), the file trigger and the apt hook', () => {
    const list = out('dpkg-deb', ['-c', pkgs.deb])
      .trim()
      .split('\n')
      .map((l) => {
        const f = l.split(/\s+/);
        return { mode: f[0] ?? '', owner: f[1] ?? '', path: (f[5] ?? '').replace(/^\.\//, '/').replace(/(.)\/$/, '$1') };
      });
    const paths = list.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/usr/bin/momentum-perms',
        '/lib/systemd/system/momentum-perms-audit.service',
        '/lib/systemd/system/momentum-perms-audit.timer',
        '/etc/momentum-perms/local.rules',
        '/etc/default/momentum-perms',
        '/etc/apt/apt.conf.d/80momentum-perms',
        '/usr/share/doc/momentum-perms/copyright',
        '/usr/share/doc/momentum-perms/examples/cron.d/momentum-perms',
        '/usr/share/bash-completion/completions/momentum-perms',
        '/usr/share/zsh/vendor-completions/_momentum-perms',
      ]),
    );
    const rpmProgram = programFiles(out('rpm', ['-qpl', pkgs.rpm]).trim().split('\n'));
    expect(programFiles(paths)).toEqual(rpmProgram);
    expect(list.find((e) => e.path === '/var/lib/momentum-perms')).toMatchObject({ mode: 'drwx------', owner: 'root/root' });
    expect(list.every((e) => e.owner === 'root/root')).toBe(true);
    const field = (f: string): string => out('dpkg-deb', ['-f', pkgs.deb, f]).trim();
    // libc6: the native helpers are linked against it.
    expect(field('Depends')).toBe('nodejs (>= 20), libc6 (>= 2.17)');
    expect(field('Architecture')).toBe(out('dpkg', ['--print-architecture']).trim());
    const info = (f: string): string => out('dpkg-deb', ['--info', pkgs.deb, f]);
    expect(info('conffiles').trim().split('\n').sort()).toEqual(['/etc/apt/apt.conf.d/80momentum-perms', '/etc/default/momentum-perms', '/etc/momentum-perms/local.rules']);
    expect(info('triggers')).toBe('interest-noawait /opt/msys\n');
    expect(info('postinst')).toMatch(/triggered\)[\s\S]*\/usr\/bin\/momentum-perms hook post-upgrade/);
  });

  const man = fs.existsSync(path.join(REPO, 'man')) ? fs.readdirSync(path.join(REPO, 'man')).filter((n) => /\.[1-8]$/.test(n)) : [];
  it.runIf(man.length > 0)('ships the manual pages of man/, gzipped, in both', () => {
    const want = man.map((n) => `/usr/share/man/man${n.slice(-1)}/${n}.gz`).sort();
    expect(out('rpm', ['-qpl', pkgs.rpm]).trim().split('\n').filter((p) => p.startsWith('/usr/share/man/')).sort()).toEqual(want);
    const deb = out('dpkg-deb', ['-c', pkgs.deb]).split('\n').map((l) => (l.split(/\s+/)[5] ?? '').replace(/^\./, ''));
    expect(deb.filter((p) => p.startsWith('/usr/share/man/') && !p.endsWith('/')).sort()).toEqual(want);
  });

  it('ships the native helpers, compiled and stripped, in both', () => {
    const want = '/usr/lib/momentum-perms/dist/native/fsat.node';
    expect(out('rpm', ['-qpl', pkgs.rpm]).split('\n')).toContain(want);
    expect(out('dpkg-deb', ['-c', pkgs.deb]).split('\n').map((l) => (l.split(/\s+/)[5] ?? '').replace(/^\./, ''))).toContain(want);
  });

  it('the launcher runs the program by absolute path with /usr/bin/node', () => {
    const launcher = fs.readFileSync(path.join(REPO, 'packaging/bin/momentum-perms'), 'utf8');
    expect(launcher.split('\n')[0]).toBe('#!/usr/bin/node');
    expect(launcher).toContain("import('/usr/lib/momentum-perms/bin/momentum-perms.js')");
  });

  it.runIf(have('rpmlint'))('rpmlint: no error but the three docs/packaging.md explains', () => {
    const r = spawnSync('rpmlint', [pkgs.rpm], { encoding: 'utf8' });
    const errors = r.stdout
      .split('\n')
      .filter((l) => / E: /.test(l))
      .map((l) => l.replace(/^momentum-perms\.[a-z0-9_]+: E: /, ''))
      .sort();
    process.stdout.write(`rpmlint: ${r.stdout.trim().split('\n').pop()}\n`);
    expect(errors, r.stdout).toEqual(['no-packager-tag', 'no-signature', 'non-standard-dir-perm /var/lib/momentum-perms 700']);
  });

  it.runIf(have('lintian'))('lintian: no error', () => {
    const r = spawnSync('lintian', ['--no-tag-display-limit', pkgs.deb], { encoding: 'utf8' });
    process.stdout.write(`lintian: ${r.stdout.trim().split('\n').length} tags, ${r.stdout.split('\n').filter((l) => l.startsWith('E:')).length} errors\n`);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('E:')), r.stdout).toEqual([]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
