// PLACEHOLDER until the parser lands: returns Momentum's documented defaults without reading any file.
import type { FsLike, Root } from '../io/fs.js';
import type { UserDb } from '../io/users.js';
import type { MomentumConfig, ReadConfigOptions } from './types.js';

export type * from './types.js';

/** Read the configuration the way ecelerity does. Throws MpError for expected failures. */
export function readConfig(_fs: FsLike, _root: Root, users: UserDb, opts: ReadConfigOptions = {}): MomentumConfig {
  const u = users.userByName('ecuser');
  const g = users.groupByName('ecuser');
  return {
    configFile: opts.configFile ?? '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
    files: [],
    version: '4.x',
    security: {
      user: { name: 'ecuser', id: u?.uid ?? null, source: 'default' },
      group: { name: 'ecuser', id: g?.gid ?? null, source: 'default' },
      supplementalGroups: [],
      chroot: null,
      capabilities: null,
    },
    paths: [{ option: 'spoolbase', path: '/var/spool/ecelerity', source: 'default', kind: 'spool' }],
    warnings: [],
    settings: { spool_mode: { value: '0640', source: 'default' } },
  };
}
