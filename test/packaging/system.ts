/**
 * Helpers for the tests that install the tool's own system packages with the real rpm and dpkg: the packages
 * built by packaging/build.mjs, Momentum-like packages built with rpmbuild and dpkg-deb, and a throw-away
 * system to install them into: this machine's / under an overlay (`unshare -m`, `mount -t overlay` with / as
 * the lower layer), so that node, sh and the package managers are the real ones, while every write lands in
 * the upper layer, which the test reads afterwards and then deletes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONF, GROUP, PASSWD, REPO, ensureBuilt } from '../upgrade/packaging.js';

export { asRoot } from '../support/root.js';

/** Whether the commands a test drives are here (`npm test`'s pretest installs them; a bare vitest may not). */
export function have(...commands: string[]): boolean {
  return commands.every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
}

/** Build the tool's rpm and deb into DIR/pkg with `packaging/build.mjs --out DIR`, as `npm run package` does. */
export function buildToolPackages(dir: string, release = 1): { rpm: string; deb: string } {
  ensureBuilt();
  const args = [path.join(REPO, 'packaging/build.mjs'), '--out', dir, '--release', String(release)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [rpm, deb] = out.trim().split('\n');
  if (rpm === undefined || deb === undefined || !/\.[a-z0-9_]+\.rpm$/.test(rpm) || !/_[a-z0-9]+\.deb$/.test(deb)) throw new Error(`unexpected output of build.mjs: ${out}`);
  return { rpm, deb };
}

export interface MomentumFile {
  path: string;
  /** Octal mode as the package ships it (%attr / the .deb's tar). */
  mode: number;
  /** An RPM %config(noreplace) file / a deb conffile. */
  config?: boolean;
  text?: string;
}

/** A Momentum-like rpm: every file under /opt/msys, root-owned, with %attr; returns the .rpm path. */
export function buildMomentumRpm(dir: string, name: string, version: string, files: MomentumFile[]): string {
  const top = path.join(dir, `rpmbuild-${name}-${version}`);
  fs.mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const install = files.map((f, i) => `mkdir -p %{buildroot}${path.posix.dirname(f.path)}\ncp %{_sourcedir}/f${i} %{buildroot}${f.path}`).join('\n');
  const list = files.map((f) => `${f.config ? '%config(noreplace) ' : ''}%attr(${f.mode.toString(8).padStart(4, '0')},root,root) ${f.path}`).join('\n');
  fs.mkdirSync(path.join(top, 'SOURCES'), { recursive: true });
  files.forEach((f, i) => fs.writeFileSync(path.join(top, 'SOURCES', `f${i}`), f.text ?? `${f.path} ${version}\n`));
  const spec = path.join(top, 'SPECS', `${name}.spec`);
  fs.writeFileSync(
    spec,
    `Name: ${name}\nVersion: ${version}\nRelease: 1\nSummary: a stand-in for a Momentum package\nLicense: Proprietary\nBuildArch: noarch\n` +
      `%description\nA stand-in for a Momentum package.\n%install\n${install}\n%files\n${list}\n`,
  );
  execFileSync('rpmbuild', ['--quiet', '--define', `_topdir ${top}`, '--define', `_dbpath ${path.join(top, 'db')}`, '--define', '_build_id_links none', '-bb', spec], {
    stdio: 'pipe',
  });
  return path.join(top, 'RPMS/noarch', `${name}-${version}-1.noarch.rpm`);
}

/** A Momentum-like deb: every file root-owned with its mode, config files as conffiles; returns the .deb path. */
export function buildMomentumDeb(dir: string, name: string, version: string, files: MomentumFile[]): string {
  const tree = path.join(dir, `deb-${name}-${version}`);
  fs.mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  fs.writeFileSync(
    path.join(tree, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Tests <tests@example.invalid>\nDescription: a stand-in for a Momentum package\n`,
  );
  const conf = files.filter((f) => f.config).map((f) => f.path);
  if (conf.length) fs.writeFileSync(path.join(tree, 'DEBIAN/conffiles'), conf.join('\n') + '\n');
  for (const f of files) {
    const h = path.join(tree, f.path);
    fs.mkdirSync(path.dirname(h), { recursive: true, mode: 0o755 });
    fs.writeFileSync(h, f.text ?? `${f.path} ${version}\n`);
    fs.chmodSync(h, f.mode);
  }
  const deb = path.join(dir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, deb], { stdio: 'pipe' });
  return deb;
}

/** The environment package managers run with here: nothing from the test runner's own environment. */
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' };

export interface Overlay {
  dir: string;
  /** The upper layer: every file the chroot wrote, at its path (read it after `run`). */
  upper: string;
  /** Where the overlay is mounted during `run` (the `--root` of rpm and dpkg, the chroot's /). */
  merged: string;
  /** Run a shell script in a new mount namespace with the overlay mounted at $M (also /proc and /dev). */
  run(script: string): { status: number; out: string };
  /** `uid:gid mode` of a path as the chroot left it (from the upper layer). */
  st(p: string): string;
  /** The text of a file the chroot wrote. */
  read(p: string): string;
}

/**
 * A throw-away system: this machine's / as the lower layer, and in the upper layer an /etc/passwd and
 * /etc/group with ecuser (500) and monitor (600), node_exporter's textfile directory, and a `logger` that appends to
 * /var/log/syslog.test instead of reaching this machine's syslog.
 */
export function overlay(dir: string): Overlay {
  const upper = path.join(dir, 'upper');
  const work = path.join(dir, 'work');
  const merged = path.join(dir, 'merged');
  for (const d of [upper, work, merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  const putUp = (p: string, text: string, mode: number): void => {
    const h = path.join(upper, p);
    fs.mkdirSync(path.dirname(h), { recursive: true, mode: 0o755 });
    fs.writeFileSync(h, text, { mode });
    fs.chmodSync(h, mode);
  };
  const keep = (file: string, names: string[]): string =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !names.includes(l.split(':')[0] ?? ''))
      .join('\n') + '\n';
  putUp('/etc/passwd', keep('/etc/passwd', ['ecuser']) + PASSWD.split('\n').filter((l) => l.startsWith('ecuser:')).join('\n') + '\n', 0o644);
  putUp('/etc/group', keep('/etc/group', ['ecuser', 'monitor']) + GROUP.split('\n').filter((l) => /^(ecuser|monitor):/.test(l)).join('\n') + '\n', 0o644);
  // node_exporter's textfile directory (Debian's), where the hooks write their metrics when it exists.
  fs.mkdirSync(path.join(upper, 'var/lib/prometheus/node-exporter'), { recursive: true, mode: 0o755 });
  putUp('/usr/bin/logger', `#!/bin/sh\nprintf '%s\\n' "$*" >> /var/log/syslog.test\n`, 0o755);
  const o: Overlay = {
    dir,
    upper,
    merged,
    run(script) {
      const setup = [
        'set -u',
        `M='${merged}'`,
        `mount -t overlay -o lowerdir=/,upperdir='${upper}',workdir='${work}' momentum-perms-test "$M"`,
        'mount --rbind /dev "$M/dev"',
        'mount -t proc proc "$M/proc"',
        'set +u',
      ].join('\n');
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${setup}\n${script}`], { env: ENV, encoding: 'utf8' });
      return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    },
    st(p) {
      const s = fs.lstatSync(path.join(upper, p));
      return `${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, '0')}`;
    },
    read(p) {
      return fs.readFileSync(path.join(upper, p), 'utf8');
    },
  };
  return o;
}

/** Lines of the hook log (/var/log/momentum-perms.log in the chroot) whose message starts with `phase:`. */
export function logLines(o: Overlay, phase: string): string[] {
  const p = path.join(o.upper, 'var/log/momentum-perms.log');
  if (!fs.existsSync(p)) return [];
  return fs
    .readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => new RegExp(`momentum-perms\\[\\d+\\]: \\w+: ${phase}: `).test(l));
}

export { CONF };

/** The Momentum-like install both package suites upgrade: paths, and the files of versions 1.0 and 2.0. */
export const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
export const KEY = '/opt/msys/ecelerity/etc/conf/dkim/example.com/default.key';
export const EC_CTL = '/opt/msys/ecelerity/bin/ec_ctl';
export const JLOGCTL = '/opt/msys/jlog/bin/jlogctl';
export const SNAPSHOTS = '/var/lib/momentum-perms/snapshots';

/** Version 1 as the vendor ships it; version 2 resets every mode (and the owner to root). */
export const ECELERITY = (v: '1.0' | '2.0'): MomentumFile[] => [
  { path: CONF_PATH, mode: v === '1.0' ? 0o644 : 0o664, config: true, text: `${CONF}# ${v}\n` },
  { path: KEY, mode: v === '1.0' ? 0o600 : 0o640 },
  { path: EC_CTL, mode: v === '1.0' ? 0o755 : 0o775 },
];
export const JLOG = (v: '1.0' | '2.0'): MomentumFile[] => [{ path: JLOGCTL, mode: v === '1.0' ? 0o755 : 0o775 }];
