import { describe, expect, it } from 'vitest';
import { configJson, DEF, fixture } from './helpers.js';
import { tempDir } from '../support/root.js';

const F = `${DEF}/ecelerity.conf`;
const db = (name: string): string => `${fixture(name)}/etc/passwd, ${fixture(name)}/etc/group`;

describe('config: the Security model', () => {
  it('without a Security stanza: ecuser/ecuser with source "default", and a warning', () => {
    const { status, json } = configJson('no-security');
    expect(status).toBe(0);
    expect(json.security).toEqual({
      user: { name: 'ecuser', id: 500, source: 'default' },
      group: { name: 'ecuser', id: 500, source: 'default' },
      supplementalGroups: [],
      chroot: null,
      capabilities: null,
    });
    expect(json.warnings).toEqual([
      { code: 'no-security-stanza', message: 'no Security stanza: Momentum runs as the default user and group ecuser:ecuser', source: 'default' },
    ]);
  });

  it('warns when the user is root; a numeric group resolves to its name', () => {
    const { status, json } = configJson('root-user');
    expect(status).toBe(0);
    expect(json.security.user).toEqual({ name: 'root', id: 0, source: `${F}:2` });
    expect(json.security.group).toEqual({ name: 'root', id: 0, source: `${F}:3` });
    expect(json.warnings).toEqual([
      {
        code: 'user-is-root',
        message: 'Momentum runs as root: the docs discourage it (it breaks the dmllog.rt jlog), and nothing then separates the service from root',
        source: `${F}:2`,
      },
    ]);
  });

  it('accepts a numeric id with no entry, warns on unknown capabilities, chroot, misplaced stanzas and non-file URIs', () => {
    const { status, json } = configJson('warnings');
    expect(status).toBe(0);
    expect(json.security).toEqual({
      user: { name: '1234', id: 1234, source: `${F}:2` },
      group: { name: 'ecuser', id: 500, source: `${F}:3` },
      supplementalGroups: [],
      chroot: { value: '/var/chroot/ecelerity', source: `${F}:4` },
      capabilities: { value: 'cap_net_bind_service+ep cap_frobnicate+ep', source: `${F}:5` },
    });
    expect(json.warnings).toEqual([
      { code: 'security-not-global', message: 'a Security stanza is valid in the global scope only; this one is ignored', source: `${F}:8` },
      { code: 'unknown-id', message: `user id 1234 has no passwd entry in ${db('warnings')}`, source: `${F}:2` },
      {
        code: 'chroot',
        message: 'Momentum runs chrooted in /var/chroot/ecelerity; how paths resolve under chroot is not documented, so paths are reported as written',
        source: `${F}:4`,
      },
      { code: 'unknown-capability', message: 'capabilities names cap_frobnicate, which is not a Linux capability', source: `${F}:5` },
      { code: 'not-a-file', message: 'ec_logger.mainlog names syslog://local0, a syslog URI and not a local file; it is not checked', source: `${F}:11` },
    ]);
    // The empty paniclog is "not written": no path, no warning.
    expect(json.paths.filter((p: { option: string }) => p.option.startsWith('ec_logger.')).map((p: { option: string }) => p.option)).toEqual([
      'ec_logger.rejectlog',
      'ec_logger.acctlog',
    ]);
  });

  it('warns when capabilities is not in cap_from_text form', () => {
    const { status, json } = configJson('bad-capabilities');
    expect(status).toBe(0);
    expect(json.warnings).toEqual([
      {
        code: 'invalid-capabilities',
        message: 'capabilities is not in cap_from_text form: "cap_net_bind_service" has no operator (=, + or -) and flags (e, i, p)',
        source: `${F}:2`,
      },
    ]);
  });
});

/** `config --root` on a temporary root whose ecelerity.conf is `conf`: status and stderr. */
async function configOn(conf: string): Promise<{ status: number; err: string }> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { memoryIo } = await import('../../src/commands/io.js');
  const { main } = await import('../../src/cli.js');
  const root = tempDir('sec').dir;
  try {
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/:/bin/false\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\necuser:x:500:\n');
    const file = path.join(root, 'opt/msys/ecelerity/etc/conf/default/ecelerity.conf');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, conf);
    const io = memoryIo();
    const status = await main(['node', 'momentum-perms', 'config', '--root', root], io);
    return { status, err: io.stderr() };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('config: supplemental_groups the service account makes long', () => {
  it('more than 256 groups is an error at the first one too many, without a lookup for each', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `"${10000 + i}"`).join(' ');
    const r = await configOn(`Security {\n  user = "ecuser"\n  supplemental_groups = ( ${ids} )\n}\n`);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^error MP108: supplemental_groups names 3000 groups; at most 256 are read$/m);
    expect(r.err).toMatch(/ecelerity\.conf:3:\d+/);
  });
});

describe('config: ids out of range', () => {
  it.each(['4294967295', '1000000000000'])('user = "%s" is MP108, never an id chown(2) reads as "leave unchanged"', async (id) => {
    const r = await configOn(`Security {\n  user = "${id}"\n}\n`);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error MP108: user id ${id} is out of range`, 'm'));
  });
});
