/**
 * A package's setuid/setgid bits are root's word for the accounts the package names, not for those the Security
 * stanza (the service account's to edit) translates them to: `%attr(4750,root,ecuser)` with `group = "mailer"`
 * in the configuration must not leave a setuid-root helper runnable by mailer. Real rpmbuild and rpm, as root.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { asRoot, DBPATH, haveRpm } from './rpm-fixture.js';
import { tempDir } from '../support/root.js';

const HELPER = '/opt/msys/ecelerity/bin/ec_suid';
const CONF = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
const SPEC = `Name: msys-suid
Version: 1
Release: 1
Summary: a setuid helper
License: Apache-2.0
BuildArch: noarch
%description
A setuid-root helper for the service's group.
%install
d=%{buildroot}/opt/msys/ecelerity
mkdir -p $d/bin $d/etc/conf/default
printf '#!/bin/sh\\n' > $d/bin/ec_suid
printf 'Security {\\n  user = "ecuser"\\n  group = "ecuser"\\n}\\n' > $d/etc/conf/default/ecelerity.conf
%files
%dir %attr(0755,root,root) /opt/msys/ecelerity
%dir %attr(0755,root,root) /opt/msys/ecelerity/bin
%attr(4750,root,ecuser) ${HELPER}
%dir %attr(0755,root,root) /opt/msys/ecelerity/etc
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf
%dir %attr(0755,ecuser,ecuser) /opt/msys/ecelerity/etc/conf/default
%config(noreplace) %attr(0640,ecuser,ecuser) ${CONF}
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function installed(): string {
  const top = tempDir('suid-build').dir;
  const root = tempDir('suid').dir;
  dirs.push(top, root);
  fs.writeFileSync(path.join(top, 'suid.spec'), SPEC);
  execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '-bb', path.join(top, 'suid.spec')], { stdio: 'pipe' });
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, 'etc'), { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/:/bin/false\nmailer:x:501:501::/:/bin/false\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\necuser:x:500:\nmailer:x:501:\n');
  const rpm = (...a: string[]): void => void execFileSync('rpm', ['--root', root, '--dbpath', DBPATH, ...a], { stdio: 'pipe' });
  rpm('--initdb');
  rpm('-i', '--nodeps', '--noscripts', path.join(top, 'RPMS/noarch/msys-suid-1-1.noarch.rpm'));
  return root;
}

async function fix(root: string): Promise<void> {
  const io = memoryIo();
  await main(['node', 'momentum-perms', 'fix', '--root', root, '--rpm-dbpath', DBPATH], io);
}

function perms(root: string, p: string): string {
  const s = fs.statSync(path.join(root, p));
  return `${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

describe.runIf(asRoot && haveRpm)("a package's setuid helper and the Security stanza's group", () => {
  it('keeps setuid with the group the package names (ecuser as the group database has it)', async () => {
    const root = installed();
    expect(perms(root, HELPER)).toBe('0:500 4750');
    await fix(root);
    expect(perms(root, HELPER)).toBe('0:500 4750');
  });

  it('never leaves setuid on the helper once the configuration names another group', async () => {
    const root = installed();
    const conf = path.join(root, CONF);
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/"ecuser"/g, '"mailer"'));
    await fix(root);
    // Whatever else the fix did, mailer (501) never holds a setuid-root helper it may run.
    const st = fs.statSync(path.join(root, HELPER));
    expect(st.uid).toBe(0);
    expect(st.gid === 501 && (st.mode & 0o6000) !== 0, perms(root, HELPER)).toBe(false);
  });
});
