import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { createFsFromVolume, Volume } from 'memfs';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { runExplain } from '../../src/commands/explain.js';
import { memoryIo } from '../../src/commands/io.js';
import { runRules } from '../../src/commands/rules.js';
import { MpError } from '../../src/errors.js';
import { makeRoot, type FsLike } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';
import { tempDir } from '../support/root.js';

const CONF = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';

function install(): { fs: FsLike; vol: InstanceType<typeof Volume> } {
  const vol = Volume.fromJSON({
    '/etc/passwd': 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/opt/msys/ecelerity:/sbin/nologin\n',
    '/etc/group': 'root:x:0:\necuser:x:500:\nmon:x:600:\n',
    [CONF]: 'Security {\n  user = "ecuser"\n  group = "ecuser"\n}\nspoolbase = "/var/spool/ecelerity"\n',
    '/var/spool/ecelerity/A0/0001.M': 'm',
    '/var/spool/ecelerity/A0/0002.M': 'm',
    '/etc/momentum-perms/local.rules': '/var/spool/ecelerity/A0/0002.M  group=mon reason="monitoring reads it"\n',
  });
  // memfs checks permissions even for root: change the deepest entries first. fromJSON makes files 0666.
  vol.chmodSync('/etc/passwd', 0o644);
  vol.symlinkSync('/etc/passwd', '/var/spool/ecelerity/A0/link');
  vol.lchownSync('/var/spool/ecelerity/A0/link', 500, 500);
  vol.chownSync('/var/spool/ecelerity/A0/0001.M', 500, 500);
  vol.chmodSync('/var/spool/ecelerity/A0/0001.M', 0o640);
  vol.chownSync('/var/spool/ecelerity/A0/0002.M', 500, 500);
  vol.chmodSync('/var/spool/ecelerity/A0/0002.M', 0o644);
  for (const p of ['/var/spool/ecelerity/A0', '/var/spool/ecelerity']) {
    vol.chownSync(p, 500, 500);
    vol.chmodSync(p, 0o755);
  }
  return { fs: createFsFromVolume(vol) as unknown as FsLike, vol };
}

function env() {
  const { fs } = install();
  return { fs, users: filesUserDb(fs, makeRoot('/')) };
}

describe('rules command', () => {
  it('prints every layer, tree and rule with its origin, and what @kind rules expanded to', () => {
    const io = memoryIo();
    expect(runRules({}, io, env())).toBe(0);
    const out = io.stdout();
    expect(out).toContain('Rule set 4.x: $user = ecuser (500), $group = ecuser (500)');
    expect(out).toContain('  rules/4.x.rules  shipped\n  /etc/momentum-perms/local.rules  local\n');
    expect(out).toContain('  /var/spool/ecelerity (spool)  rules/4.x.rules:17');
    expect(out).toMatch(/rules\/4\.x\.rules:\d+  @spool\/\*\*  owner=\$user group=\$group file\.max=\$spool_mode dir\.max=0750\n      → \/var\/spool\/ecelerity\/\*\*  \(spoolbase, \/opt\/msys\/ecelerity\/etc\/conf\/default\/ecelerity\.conf:5\): owner=ecuser \(500\) group=ecuser \(500\) file\.max=0640 \(\$spool_mode from default\) dir\.max=0750\n/);
    expect(out).toContain('  /etc/momentum-perms/local.rules:1  /var/spool/ecelerity/A0/0002.M  group=mon\n      = group=mon (600)\n      monitoring reads it\n');
  });

  it('prints the same as JSON', () => {
    const io = memoryIo();
    expect(runRules({ json: true, ruleSet: '3.x' }, io, env())).toBe(0);
    const j = JSON.parse(io.stdout());
    expect(j.version).toBe('3.x');
    expect(j.user).toEqual({ name: 'ecuser', id: 500 });
    expect(j.files.map((f: { path: string }) => f.path)).toEqual(['rules/3.x.rules', '/etc/momentum-perms/local.rules']);
    const spool = j.rules.find((r: { pattern: string }) => r.pattern === '@spool/**');
    expect(spool.expansions).toEqual([
      {
        pattern: '/var/spool/ecelerity/**',
        option: 'spoolbase',
        path: '/var/spool/ecelerity',
        source: `${CONF}:5`,
        asks: ['owner=ecuser (500)', 'group=ecuser (500)', 'file.max=0640 ($spool_mode from default)', 'dir.max=0750'],
      },
    ]);
    expect(j.required).toEqual([{ path: '/var/spool/ecelerity', rule: spool.id.replace(/:(\d+)$/, (_: string, n: string) => `:${Number(n) + 1}`) }]);
  });

  it('stops with MP200 for a missing --rules file', () => {
    expect(() => runRules({ rules: '/nowhere.rules' }, memoryIo(), env())).toThrow(MpError);
  });
});

describe('explain command', () => {
  it('shows the matching rules, the winners, what the path has and the verdict; exit 1 on findings', () => {
    const io = memoryIo();
    expect(runExplain('/var/spool/ecelerity/A0/0002.M', {}, io, env())).toBe(1);
    const out = io.stdout();
    expect(out).toContain('  has:      file, owner ecuser (500), group ecuser (500), mode 0644\n  tree:     /var/spool/ecelerity\n');
    expect(out).toMatch(/  rules\/4\.x\.rules:\d+  @spool\/\*\* → \/var\/spool\/ecelerity\/\*\*  \(spoolbase, .*ecelerity\.conf:5\)\n      asks: .*\n      wins: owner, mode\.max\n/);
    expect(out).toContain('  /etc/momentum-perms/local.rules:1  /var/spool/ecelerity/A0/0002.M\n      asks: group=mon (600)\n      wins: group\n      monitoring reads it\n');
    expect(out).toMatch(/  owner      ecuser \(500\)  rules\/4\.x\.rules:\d+\n  group      mon \(600\)     \/etc\/momentum-perms\/local\.rules:1\n  mode\.max   at most 0640  rules\/4\.x\.rules:\d+\n/);
    expect(out).toContain('Verdict: 2 findings\n');
    expect(out).toContain('  a fix would make it: owner ecuser (500), group mon (600), mode 0640\n');
  });

  it('exits 0 for a compliant path and resolves relative paths from /', () => {
    const io = memoryIo();
    expect(runExplain('var/spool/ecelerity/A0/0001.M', {}, io, env())).toBe(0);
    expect(io.stdout()).toContain('Verdict: complies with every rule.');
  });

  it('never follows a symbolic link', () => {
    const io = memoryIo();
    expect(runExplain('/var/spool/ecelerity/A0/link', { json: true }, io, env())).toBe(0);
    const j = JSON.parse(io.stdout());
    expect(j.entry.type).toBe('symlink');
    expect(j.actual).toMatchObject({ type: 'symlink', owner: 'ecuser (500)', group: 'ecuser (500)' });
    expect(j.findings).toEqual([]);
  });

  it('reports a missing required path (exit 1) and a missing ordinary one (exit 0)', () => {
    const e = env();
    const io = memoryIo();
    expect(runExplain('/var/spool/ecelerity/B7', { json: true }, io, e)).toBe(0);
    expect(JSON.parse(io.stdout()).findings).toEqual([]);
    const { vol } = install();
    vol.rmSync('/var/spool/ecelerity', { recursive: true });
    const fs = createFsFromVolume(vol) as unknown as FsLike;
    const io2 = memoryIo();
    expect(runExplain('/var/spool/ecelerity', {}, io2, { fs, users: filesUserDb(fs, makeRoot('/')) })).toBe(1);
    expect(io2.stdout()).toContain('does not exist');
    expect(io2.stdout()).toMatch(/missing +required path does not exist/);
  });

  it('says when a path is outside every declared tree', () => {
    const io = memoryIo();
    expect(runExplain('/etc/passwd', {}, io, env())).toBe(0);
    expect(io.stdout()).toContain('tree:     none: the audit does not walk it and fix never changes it');
  });
});

describe('through the command line, on a real root', () => {
  const dir = tempDir('rules-cli').dir;
  afterAll(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
  const put = (p: string, text: string, mode = 0o644): void => {
    nodeFs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    nodeFs.writeFileSync(path.join(dir, p), text, { mode });
    nodeFs.chmodSync(path.join(dir, p), mode);
  };
  put('/etc/passwd', `root:x:0:0::/root:/bin/sh\necuser:x:${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}::/:/bin/sh\n`);
  put('/etc/group', `root:x:0:\necuser:x:${process.getgid?.() ?? 0}:\n`);
  put(CONF, 'spoolbase = /var/spool/ecelerity\n');
  put('/var/spool/ecelerity/A0/1.M', 'x', 0o666);

  it('exits 1 with findings, 0 when compliant, 2 on a rules error', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', 'explain', '/var/spool/ecelerity/A0/1.M', '--root', dir], io)).toBe(1);
    expect(io.stdout()).toContain('world-writable');
    nodeFs.chmodSync(path.join(dir, '/var/spool/ecelerity/A0/1.M'), 0o640);
    expect(await main(['node', 'momentum-perms', 'explain', '/var/spool/ecelerity/A0/1.M', '--root', dir], memoryIo())).toBe(0);
    put('/etc/momentum-perms/local.rules', '/opt/x  colour=red\n');
    const bad = memoryIo();
    expect(await main(['node', 'momentum-perms', 'rules', '--root', dir], bad)).toBe(2);
    expect(bad.stderr()).toBe(`error MP201: unknown key "colour"
  --> /etc/momentum-perms/local.rules:1:9
  |
1 | /opt/x  colour=red
  |         ^
  = keys: owner, group, type, setid, reason, mode, mode.max, mode.min, mode.deny, file.mode, file.max, file.min, file.deny, dir.mode, dir.max, dir.min, dir.deny, required
`);
  });
});
