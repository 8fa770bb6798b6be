import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import type { ConfigPath } from '../../src/config/types.js';
import { makeRoot, type FsLike } from '../../src/io/fs.js';
import { bindRules, loadRules, type BoundRules } from '../../src/rules/index.js';
import type { EntryType } from '../../src/types.js';
import { checkPath, config, entry, SPOOL, users } from './builders.js';

const cp = (option: string, p: string, kind: ConfigPath['kind'], pattern = false): ConfigPath => ({ option, path: p, source: 'default', kind, ...(pattern ? { pattern } : {}) });
const PATHS: ConfigPath[] = [
  SPOOL,
  cp('ec_logger.mainlog', '/var/log/ecelerity/mainlog.ec', 'log'),
  cp('persist_io.persist_path', '/var/log/ecelerity/persist', 'persist'),
  cp('opendkim.key', '/opt/msys/ecelerity/etc/conf/dkim/*/*.key', 'private-key', true),
  cp('tls_key', '/opt/msys/ecelerity/etc/certs/server.key', 'private-key'),
  cp('tls_certificate', '/opt/msys/ecelerity/etc/certs/server.crt', 'certificate'),
  cp('securecreds.key', '/opt/msys/etc/credentials.key', 'private-key'),
  cp('securecreds.credentials', '/opt/msys/etc/credentials.db', 'credentials'),
  cp('control_listener', '/tmp/2025', 'socket'),
  cp('pidfile', '/var/run/ecelerity.pid', 'pidfile'),
];

function shipped(version: '3.x' | '4.x'): BoundRules {
  const fs = createFsFromVolume(new Volume()) as unknown as FsLike;
  return bindRules(loadRules(fs, makeRoot('/'), { version }), config(PATHS, { version }), users());
}

// [path, type, uid, gid, mode, checks found]; ecuser is 500, root 0, 4321 has no passwd entry.
type Row = [string, EntryType, number, number, number, string[]];
const BASELINE: Row[] = [
  // etc/conf/**: $user:$group, nothing group- or world-writable
  ['/opt/msys/ecelerity/etc/conf/default/ecelerity.conf', 'file', 500, 500, 0o640, []],
  ['/opt/msys/ecelerity/etc/conf/default/ecelerity.conf', 'file', 0, 500, 0o640, ['owner']],
  ['/opt/msys/ecelerity/etc/conf/default/ecelerity.conf', 'file', 500, 0, 0o640, ['group']],
  ['/opt/msys/ecelerity/etc/conf/default/policy.lua', 'file', 500, 500, 0o664, ['mode']],
  ['/opt/msys/ecelerity/etc/conf/default', 'dir', 500, 500, 0o755, []],
  // private material: readable by $user, nothing for others
  ['/opt/msys/ecelerity/etc/conf/dkim/example.com/s1.key', 'file', 500, 500, 0o640, []],
  ['/opt/msys/ecelerity/etc/conf/dkim/example.com/s1.key', 'file', 500, 500, 0o644, ['mode']],
  ['/opt/msys/ecelerity/etc/conf/dkim/example.com/s1.key', 'file', 0, 500, 0o600, ['owner']],
  ['/opt/msys/ecelerity/etc/conf/dk/example.com/s1.key', 'file', 500, 500, 0o200, ['mode']],
  ['/opt/msys/ecelerity/etc/certs/server.key', 'file', 500, 500, 0o600, []],
  ['/opt/msys/ecelerity/etc/certs/server.key', 'file', 500, 500, 0o604, ['mode']],
  ['/opt/msys/ecelerity/etc/certs/server.crt', 'file', 0, 0, 0o644, []],
  ['/opt/msys/ecelerity/etc/console_passwd', 'file', 500, 500, 0o600, []],
  ['/opt/msys/ecelerity/etc/console_passwd', 'file', 500, 500, 0o644, ['mode']],
  ['/opt/msys/ecelerity/etc/console_passwd', 'file', 0, 0, 0o600, ['owner', 'group']],
  // private material must stay readable by $user: a console_passwd ecelerity cannot read breaks ec_console
  ['/opt/msys/ecelerity/etc/console_passwd', 'file', 500, 500, 0o200, ['mode']],
  // credentials: root, $group, at most 0640 (and readable by the group)
  ['/opt/msys/etc/credentials.db', 'file', 0, 500, 0o640, []],
  ['/opt/msys/etc/credentials.db', 'file', 0, 500, 0o644, ['mode']],
  ['/opt/msys/etc/credentials.db', 'file', 500, 500, 0o640, ['owner']],
  ['/opt/msys/etc/credentials.db', 'file', 0, 0, 0o640, ['group']],
  ['/opt/msys/etc/credentials.key', 'file', 0, 500, 0o640, []],
  ['/opt/msys/etc/credentials.key', 'file', 0, 500, 0o600, ['mode']],
  // the spool: $user:$group, files at most spool_mode, directories at most 0750
  ['/var/spool/ecelerity', 'dir', 500, 500, 0o750, []],
  ['/var/spool/ecelerity/A0/0001-00000001.M', 'file', 500, 500, 0o640, []],
  ['/var/spool/ecelerity/A0/0001-00000001.M', 'file', 500, 500, 0o644, ['mode']],
  ['/var/spool/ecelerity/A0/0001-00000001.M', 'file', 0, 500, 0o640, ['owner']],
  ['/var/spool/ecelerity/A0', 'dir', 500, 500, 0o755, ['mode']],
  ['/var/spool/ecelerity/mtasts', 'dir', 500, 0, 0o750, ['group']],
  ['/var/spool/ecelerity/A0/0001-00000001.H', 'file', 4321, 500, 0o640, ['owner', 'orphan']],
  ['/var/spool/ecelerity/A0/0001-00000001.H', 'file', 500, 500, 0o2640, ['mode', 'setid']],
  // logs: $user:$group, not world-writable; persist_path dirs ≤ 0700, files ≤ 0600
  ['/var/log/ecelerity/mainlog.ec', 'file', 500, 500, 0o644, []],
  ['/var/log/ecelerity/mainlog.ec', 'file', 500, 500, 0o666, ['mode', 'world-writable']],
  ['/var/log/ecelerity', 'dir', 0, 0, 0o755, ['owner', 'group']],
  ['/var/log/ecelerity/dmllog.rt', 'dir', 500, 500, 0o775, []],
  ['/var/log/ecelerity/persist', 'dir', 500, 500, 0o700, []],
  ['/var/log/ecelerity/persist/x', 'dir', 500, 500, 0o750, ['mode']],
  ['/var/log/ecelerity/persist/x/y', 'file', 500, 500, 0o600, []],
  ['/var/log/ecelerity/persist/x/y', 'file', 500, 500, 0o640, ['mode']],
  // what root runs: root, not writable by group or others
  ['/opt/msys/ecelerity/sbin/ecelerity', 'file', 0, 0, 0o755, []],
  ['/opt/msys/ecelerity/sbin/ecelerity', 'file', 500, 500, 0o755, ['owner']],
  ['/opt/msys/ecelerity/sbin/ecelerity', 'file', 0, 500, 0o775, ['mode']],
  ['/opt/msys/ecelerity/sbin/ecelerity', 'file', 0, 0, 0o4755, ['setid']],
  ['/opt/msys/ecelerity/bin', 'dir', 500, 500, 0o755, ['owner']],
  ['/opt/msys/ecelerity/libexec/scriptlet.lua', 'file', 0, 0, 0o644, []],
  ['/opt/msys/3rdParty/lib/libssl.so', 'file', 0, 0, 0o757, ['mode', 'world-writable']],
  ['/opt/msys/3rdParty/lib/libssl.so.3', 'symlink', 0, 0, 0o777, []],
  ['/opt/msys/jlog/bin/jlogctl', 'file', 500, 0, 0o755, ['owner']],
  ['/opt/msys/ecelerity/etc/environment', 'file', 500, 500, 0o644, ['owner']],
  ['/opt/msys/ecelerity/etc/ec_rotate.conf', 'file', 0, 0, 0o666, ['mode', 'world-writable']],
  // installer records readable by everyone
  ['/opt/msys/etc/installer/ecelerity.d', 'dir', 0, 0, 0o750, ['mode']],
  ['/opt/msys/etc/installer/lastinstall', 'file', 0, 0, 0o644, []],
  // root writes them: a service user owning them (or their directory) could replace what root reads
  ['/opt/msys/etc/installer/lastinstall', 'file', 500, 500, 0o644, ['owner']],
  ['/opt/msys/etc', 'dir', 500, 0, 0o755, ['owner']],
  // everywhere else in scope: only the checks that apply everywhere
  ['/opt/msys/ecelerity/README', 'file', 0, 0, 0o644, []],
  ['/var/log/eccluster/cluster.log', 'file', 4321, 0, 0o666, ['orphan', 'world-writable']],
  ['/tmp/2025', 'socket', 500, 500, 0o666, ['world-writable']],
];

describe.each(['4.x', '3.x'] as const)('shipped rules %s', (version) => {
  const b = shipped(version);

  it('declares the Momentum trees, the spool as spool', () => {
    expect(b.trees.map((t) => (t.spool ? `${t.path} spool` : t.path))).toEqual([
      '/opt/msys/ecelerity',
      '/opt/msys/etc',
      '/opt/msys/3rdParty',
      '/opt/msys/jlog',
      '/var/log/ecelerity',
      '/var/log/eccluster',
      '/var/ecconfigd',
      '/var/spool/ecelerity spool',
      '/var/run/ecelerity.pid',
      '/tmp/2025',
    ]);
  });

  it('gives every rule a reason that cites a documentation page', () => {
    for (const r of b.rules.rules) expect(r.reason, r.id).toMatch(/\(.*\b[34]\/[a-z0-9/-]+.*\)|not writable by \$user/);
  });

  it('leaves no path of a default configuration outside the trees', () => {
    expect(b.outside).toEqual([]);
    expect(b.refused).toEqual([]);
    expect(b.required).toEqual([{ path: '/var/spool/ecelerity', rule: expect.stringMatching(new RegExp(`^rules/${version.replace('.', '\\.')}\\.rules:\\d+$`)) }]);
  });

  it.each(BASELINE)('%s %s %i:%i %o → %j', (p, type, uid, gid, mode, checks) => {
    expect(checkPath(b, entry(p, type, uid, gid, mode)).findings.map((f) => f.check)).toEqual(checks);
  });
});

describe('shipped rules: a configuration that points the spool at root-written files', () => {
  it.each(['4.x', '3.x'] as const)('%s: spoolbase = /opt/msys/etc/installer claims nothing there', (version) => {
    const fs = createFsFromVolume(new Volume()) as unknown as FsLike;
    const paths = PATHS.map((p) => (p.kind === 'spool' ? { ...p, path: '/opt/msys/etc/installer' } : p));
    const b = bindRules(loadRules(fs, makeRoot('/'), { version }), config(paths, { version }), users());
    // Root-owned installer records stay as they are; the service user is never made their owner.
    expect(checkPath(b, entry('/opt/msys/etc/installer/lastinstall', 'file', 0, 0, 0o644)).target).toBeNull();
    expect(checkPath(b, entry('/opt/msys/etc/installer/ecelerity.d', 'dir', 0, 0, 0o755)).target).toBeNull();
  });
});

describe('shipped rules: what differs in 3.x', () => {
  it('keeps ecelerity.conf directly in etc from being writable by group or others', () => {
    const e = entry('/opt/msys/ecelerity/etc/ecelerity.conf', 'file', 0, 0, 0o664);
    expect(checkPath(shipped('3.x'), e).findings.map((f) => f.check)).toEqual(['mode']);
    expect(checkPath(shipped('4.x'), e).findings.map((f) => f.check)).toEqual([]);
  });
});

describe('shipped rules: configuration paths outside every tree claim nothing for the service user', () => {
  // The configuration is editable by the service user: `TLS_Key = /etc/shadow` in a Domain scope, or a
  // logger pointed at /etc/sudoers, must not make the audit ask that /etc/shadow be owned by ecuser.
  it.each(['4.x', '3.x'] as const)('%s: tls_key = /etc/shadow, mainlog = /etc/sudoers', (version) => {
    const fs = createFsFromVolume(new Volume()) as unknown as FsLike;
    const paths = [...PATHS, { ...cp('tls_key', '/etc/shadow', 'private-key'), scope: 'domain "example.com"' }, cp('ec_logger.mainlog', '/etc/sudoers', 'log')];
    const b = bindRules(loadRules(fs, makeRoot('/'), { version }), config(paths, { version }), users());
    expect(b.outside.map((p) => p.path)).toEqual(['/etc/shadow', '/etc/sudoers']);
    for (const p of ['/etc/shadow', '/etc/sudoers']) {
      const v = checkPath(b, entry(p, 'file', 0, 0, 0o640));
      expect(v.findings.map((f) => f.check)).toEqual([]);
      expect(v.target).toBeNull();
    }
  });
});
