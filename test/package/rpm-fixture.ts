/**
 * A Momentum-like install made with the real rpmbuild and rpm: packages built from a spec with %attr,
 * %config(noreplace), %ghost and %dir (one binary wrongly declared ecuser's, one group-writable), installed into a temporary
 * root with `rpm --root DIR --dbpath /var/lib/rpm --nodeps --noscripts` (the database where RHEL keeps it;
 * Debian's rpm would otherwise use ~/.rpmdb).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../support/root.js';

export { asRoot } from '../support/root.js';
export const haveRpm = spawnSync('rpmbuild', ['--version']).status === 0 && spawnSync('rpm', ['--version']).status === 0;

export const NEVRA = 'msys-ecelerity-4.2.38-1.noarch';
export const CONF = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
export const DBPATH = '/var/lib/rpm';

const SPEC = `Name: msys-ecelerity
Version: 4.2.38
Release: 1
Summary: Momentum-like test package
License: Apache-2.0
BuildArch: noarch
%description
Files laid out like Momentum's, for tests.
%install
d=%{buildroot}/opt/msys/ecelerity
mkdir -p $d/bin $d/sbin $d/etc/conf/default %{buildroot}/var/log/ecelerity %{buildroot}/var/spool/ecelerity
printf '#!/bin/sh\\n' > $d/bin/ec_ctl
printf '#!/bin/sh\\n' > $d/bin/ec_console
printf '#!/bin/sh\\n' > $d/bin/ec_rotate
printf '#!/bin/sh\\n' > $d/sbin/ecelerity
printf 'Security {\\n  user = "ecuser"\\n  group = "ecuser"\\n}\\nspoolbase = "/var/spool/ecelerity"\\n' > $d/etc/conf/default/ecelerity.conf
printf 'monitor\\n' > $d/etc/conf/default/mon.conf
printf 'not a key\\n' > $d/etc/root.pem
printf 'TLS_Certificate = "/opt/msys/ecelerity/etc/conf/default/cert.pem"\\n' > $d/etc/conf/default/tls.conf
%files
%dir %attr(0755,root,root) /opt/msys/ecelerity
%dir %attr(0755,root,root) /opt/msys/ecelerity/bin
%attr(0755,root,root) /opt/msys/ecelerity/bin/ec_ctl
%attr(0755,ecuser,ecuser) /opt/msys/ecelerity/bin/ec_console
%attr(0775,root,root) /opt/msys/ecelerity/bin/ec_rotate
%dir %attr(0755,root,root) /opt/msys/ecelerity/sbin
%attr(0755,root,root) /opt/msys/ecelerity/sbin/ecelerity
%dir %attr(0755,root,root) /opt/msys/ecelerity/etc
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf/default
%config(noreplace) %attr(0640,ecuser,ecuser) ${CONF}
%config(noreplace) %attr(0644,ecuser,ecuser) /opt/msys/ecelerity/etc/conf/default/tls.conf
%attr(0640,ecmon,ecuser) /opt/msys/ecelerity/etc/conf/default/mon.conf
%attr(0644,root,root) /opt/msys/ecelerity/etc/root.pem
%dir %attr(0755,ecuser,ecuser) /var/log/ecelerity
%ghost %attr(0640,ecuser,ecuser) /var/log/ecelerity/mainlog.ec
%dir %attr(0750,ecuser,ecuser) /var/spool/ecelerity
`;

/** A package of the host's own, with files outside every Momentum tree. */
const OTHER_SPEC = `Name: other-tool
Version: 1.0
Release: 1
Summary: not Momentum
License: MIT
BuildArch: noarch
%description
Files outside the Momentum trees.
%install
mkdir -p %{buildroot}/usr/share/other-tool
for f in a b c; do echo $f > %{buildroot}/usr/share/other-tool/$f; done
%files
/usr/share/other-tool
`;

let built: string[] | undefined;
let buildDir: string | undefined;

/** Remove what buildPackages made (call once the test file is done). */
export function removeBuilt(): void {
  if (buildDir !== undefined) fs.rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
  built = undefined;
}

/** Build the packages once per test file (rpmbuild in a temporary top directory); returns the .rpm paths. */
export function buildPackages(): string[] {
  if (built !== undefined) return built;
  const top = tempDir('rpmbuild').dir;
  buildDir = top;
  fs.writeFileSync(path.join(top, 'msys.spec'), SPEC);
  fs.writeFileSync(path.join(top, 'other.spec'), OTHER_SPEC);
  for (const spec of ['msys.spec', 'other.spec']) {
    execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '-bb', path.join(top, spec)], { stdio: 'pipe' });
  }
  built = [path.join(top, 'RPMS', 'noarch', `${NEVRA}.rpm`), path.join(top, 'RPMS', 'noarch', 'other-tool-1.0-1.noarch.rpm')];
  return built;
}

export interface RpmRoot {
  dir: string;
  h(p: string): string;
  /** rpm -V of every package, as rpm prints it (lines), with the same root and database. */
  rpmV(): string[];
  cleanup(): void;
}

/** A root with passwd (ecuser 500, mailer 501), an rpm database in /var/lib/rpm and the package installed. */
export function rpmRoot(): RpmRoot {
  const pkgs = buildPackages();
  const dir = tempDir('pkg').dir;
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'etc'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\necuser:x:500:500:Momentum:/opt/msys/ecelerity:/bin/false\nmailer:x:501:501::/var/spool/ecelerity:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\necuser:x:500:\nmailer:x:501:\n');
  const rpm = (...a: string[]): string => execFileSync('rpm', ['--root', dir, '--dbpath', DBPATH, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  rpm('--initdb');
  rpm('-i', '--nodeps', '--noscripts', ...pkgs);
  return {
    dir,
    h: (p) => path.join(dir, p),
    rpmV: () => {
      const r = spawnSync('rpm', ['--root', dir, '--dbpath', DBPATH, '-Va', '--nodeps', '--nodigest', '--nosignature'], { encoding: 'utf8' });
      return r.stdout.split('\n').filter((l) => l !== '');
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Say `user = NAME` and `group = NAME` in the installed configuration (its content changes, not its owner or mode). */
export function setUser(r: RpmRoot, name: string): void {
  const p = r.h(CONF);
  fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/user = "[^"]*"/, `user = "${name}"`).replace(/group = "[^"]*"/, `group = "${name}"`));
}
