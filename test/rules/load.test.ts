import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { MpError } from '../../src/errors.js';
import { makeRoot, type FsLike } from '../../src/io/fs.js';
import { bindRules, loadRules, SHIPPED_RULES_DIR } from '../../src/rules/index.js';
import { config, entry, SPOOL, users } from './builders.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function memfs(files: Record<string, string>): FsLike {
  return createFsFromVolume(Volume.fromJSON(files)) as unknown as FsLike;
}

describe('loadRules', () => {
  it('finds the shipped rules from the source tree', () => {
    expect(SHIPPED_RULES_DIR).toBe(path.join(repo, 'rules') + '/');
  });

  it.skipIf(!existsSync(path.join(repo, 'dist/rules/load.js')))('finds the shipped rules from the built package too', () => {
    const out = execFileSync(process.execPath, ['-e', "import('./dist/rules/load.js').then((m) => process.stdout.write(m.SHIPPED_RULES_DIR))"], { cwd: repo, encoding: 'utf8' });
    expect(out).toBe(path.join(repo, 'rules') + '/');
  });

  it('reads the shipped layer alone when there is no local file', () => {
    const set = loadRules(memfs({}), makeRoot('/'), { version: '4.x' });
    expect(set.version).toBe('4.x');
    expect(set.files).toEqual([{ path: 'rules/4.x.rules', origin: 'shipped', host: path.join(repo, 'rules/4.x.rules') }]);
    expect(set.rules.length).toBeGreaterThan(10);
    expect(set.rules.every((r) => r.id.startsWith('rules/4.x.rules:') && r.origin === 'shipped')).toBe(true);
  });

  it('layers shipped, then local under --root, then --rules from the host, in that order', () => {
    const fs = memfs({
      '/srv/r/etc/momentum-perms/local.rules': 'tree /opt/local\n/var/spool/ecelerity/**  group=mon\n',
      '/home/admin/extra.rules': '\n/var/spool/ecelerity/**  file.max=0600\n',
    });
    const set = loadRules(fs, makeRoot('/srv/r'), { version: '4.x', rulesFile: '/home/admin/extra.rules' });
    expect(set.files.map((f) => [f.path, f.origin, f.host])).toEqual([
      ['rules/4.x.rules', 'shipped', path.join(repo, 'rules/4.x.rules')],
      ['/etc/momentum-perms/local.rules', 'local', '/srv/r/etc/momentum-perms/local.rules'],
      ['/home/admin/extra.rules', 'cli', '/home/admin/extra.rules'],
    ]);
    const tail = set.rules.slice(-2);
    expect(tail.map((r) => [r.id, r.origin])).toEqual([
      ['/etc/momentum-perms/local.rules:2', 'local'],
      ['/home/admin/extra.rules:2', 'cli'],
    ]);
    expect(set.trees.at(-1)).toEqual({ path: '/opt/local', id: '/etc/momentum-perms/local.rules:1', origin: 'local', spool: false });

    // Later layers win per attribute: group from the local file, the file mode from --rules, the owner
    // still from the shipped rules.
    const b = bindRules(set, config([SPOOL]), users());
    const v = b.check(entry('/var/spool/ecelerity/A0/m', 'file', 0, 500, 0o640), '/var/spool/ecelerity/A0');
    expect(v.findings.map((f) => [f.check, f.rule])).toEqual([
      ['owner', set.rules.find((r) => r.pattern === '@spool/**')?.id],
      ['group', '/etc/momentum-perms/local.rules:2'],
      ['mode', '/home/admin/extra.rules:2'],
    ]);
    expect(v.target).toEqual({ uid: 500, gid: 600, mode: 0o600 });
  });

  it('reads the local file from the path given, under root', () => {
    const fs = memfs({ '/r/opt/mine.rules': '/opt/x  owner=root\n' });
    const set = loadRules(fs, makeRoot('/r'), { version: '4.x', localRules: '/opt/mine.rules' });
    expect(set.rules.at(-1)?.id).toBe('/opt/mine.rules:1');
  });

  it('fails with MP200 when --rules names a missing file', () => {
    const err = (() => {
      try {
        loadRules(memfs({}), makeRoot('/'), { version: '4.x', rulesFile: '/nowhere/x.rules' });
      } catch (e) {
        return e as MpError;
      }
    })();
    expect(err?.code).toBe('MP200');
    expect(err?.message).toBe('rules file not found: /nowhere/x.rules (given with --rules)');
  });

  it('fails with MP200 when a rules file cannot be read', () => {
    const fs = memfs({ '/etc/momentum-perms/local.rules/oops': '' });
    expect(() => loadRules(fs, makeRoot('/'), { version: '4.x' })).toThrow(/cannot read rules file \/etc\/momentum-perms\/local.rules: EISDIR/);
  });

  it('fails with MP204 when the package has no rules for the version', () => {
    try {
      loadRules(memfs({}), makeRoot('/'), { version: '3.x', shippedDir: '/nonexistent-dir' });
      expect.unreachable();
    } catch (e) {
      expect((e as MpError).code).toBe('MP204');
    }
  });

  it('stops at the first invalid rule with its location in the layer', () => {
    const fs = memfs({ '/etc/momentum-perms/local.rules': '/opt/x  owner=root\n/opt/y  mode=9\n' });
    try {
      loadRules(fs, makeRoot('/'), { version: '4.x' });
      expect.unreachable();
    } catch (e) {
      expect((e as MpError).where).toBe('/etc/momentum-perms/local.rules:2:14');
    }
  });
});
