import { createFsFromVolume, Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { MAX_INCLUDES } from '../../src/config/loader.js';
import { MpError } from '../../src/errors.js';
import type { FsLike } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';

const DEF = '/opt/msys/ecelerity/etc/conf/default';
const PASSWD = 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/:/bin/false\n';
const GROUP = 'root:x:0:\necuser:x:500:\n';

/** A root on memfs: `/srv` stands for `/`. */
function memRoot(files: Record<string, string>, users = true): { fs: FsLike; read: (o?: object) => ReturnType<typeof readConfig> } {
  const json: Record<string, string> = {};
  if (users) Object.assign(json, { '/srv/etc/passwd': PASSWD, '/srv/etc/group': GROUP });
  for (const [p, t] of Object.entries(files)) json['/srv' + p] = t;
  const fs = createFsFromVolume(Volume.fromJSON(json)) as unknown as FsLike;
  const root = { dir: '/srv' };
  return { fs, read: (o = {}) => readConfig(fs, root, filesUserDb(fs, root), { node: 'n1', ...o }) };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof MpError) return e.code;
    throw e;
  }
  return undefined;
}

describe('readConfig on memfs', () => {
  it('honours an EC_CONF_SEARCH_PATH given by the caller, with {NODENAME} expanded', () => {
    const { read } = memRoot({
      '/opt/msys/ecelerity/etc/conf/n1/ecelerity.conf': 'spoolbase = /var/spool/n1\n',
      '/opt/msys/ecelerity/etc/conf/other/ecelerity.conf': 'spoolbase = /var/spool/other\n',
      [`${DEF}/ecelerity.conf`]: 'spoolbase = /var/spool/default\n',
    });
    expect(read({ searchPath: '/opt/msys/ecelerity/etc/conf/other:/opt/msys/ecelerity/etc/conf/{NODENAME}' }).configFile).toBe(
      '/opt/msys/ecelerity/etc/conf/other/ecelerity.conf',
    );
    expect(read({ searchPath: '/nowhere:/opt/msys/ecelerity/etc/conf/{NODENAME}' }).settings['spoolbase']?.value).toBe('/var/spool/n1');
  });

  it('warns, with no id, when the default user has no entry', () => {
    const { read } = memRoot({ [`${DEF}/ecelerity.conf`]: 'a = 1\n' }, false);
    const cfg = read();
    expect(cfg.security.user).toEqual({ name: 'ecuser', id: null, source: 'default' });
    expect(cfg.security.group).toEqual({ name: 'ecuser', id: null, source: 'default' });
    expect(cfg.warnings.map((w) => w.code)).toEqual(['no-security-stanza', 'unknown-default', 'unknown-default']);
  });

  it('reads an empty directory include as nothing, and an empty file as no statements', () => {
    const { fs, read } = memRoot({ [`${DEF}/ecelerity.conf`]: 'include "conf.d"\ninclude "empty.conf"\n', [`${DEF}/empty.conf`]: '' });
    (fs as unknown as { mkdirSync(p: string, o: object): void }).mkdirSync(`/srv${DEF}/conf.d`, { recursive: true });
    expect(read().files).toEqual([`${DEF}/ecelerity.conf`, `${DEF}/empty.conf`]);
  });

  it('stops files included over and over (twice per level) before the work grows without bound', () => {
    const files: Record<string, string> = { [`${DEF}/ecelerity.conf`]: 'include "l0.conf"\n' };
    for (let i = 0; i < 20; i++) files[`${DEF}/l${i}.conf`] = `include "l${i + 1}.conf"\ninclude "l${i + 1}.conf"\n`;
    files[`${DEF}/l20.conf`] = 'a = 1\n';
    const { read } = memRoot(files);
    expect(2 ** 20).toBeGreaterThan(MAX_INCLUDES);
    expect(codeOf(() => read())).toBe('MP104');
  });

  it('stops a chain of includes deeper than the limit', () => {
    const files: Record<string, string> = { [`${DEF}/ecelerity.conf`]: 'include "d0.conf"\n' };
    for (let i = 0; i < 40; i++) files[`${DEF}/d${i}.conf`] = `include "d${i + 1}.conf"\n`;
    files[`${DEF}/d40.conf`] = '';
    const { read } = memRoot(files);
    expect(codeOf(() => read())).toBe('MP104');
  });

  it('stops scopes nested across files beyond the limit', () => {
    const files: Record<string, string> = { [`${DEF}/ecelerity.conf`]: 'include "s0.conf"\n' };
    for (let i = 0; i < 10; i++) files[`${DEF}/s${i}.conf`] = 'a { '.repeat(20) + `include "s${i + 1}.conf" ` + '} '.repeat(20);
    files[`${DEF}/s10.conf`] = '';
    const { read } = memRoot(files);
    expect(codeOf(() => read())).toBe('MP101');
  });

  it('refuses an include that names neither a file nor a directory-full of files', () => {
    const { read } = memRoot({ [`${DEF}/ecelerity.conf`]: 'include ""\n' });
    expect(codeOf(() => read())).toBe('MP103');
  });
});
