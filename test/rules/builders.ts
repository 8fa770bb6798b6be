/** Builders for rules tests: a configuration, a user database and entries as plain data. */
import type { ConfigPath, MomentumConfig } from '../../src/config/types.js';
import type { UserDb } from '../../src/io/users.js';
import { bindRules, parseRules, type BoundRules, type RuleSet } from '../../src/rules/index.js';
import type { Entry, EntryType } from '../../src/types.js';

/** root 0, ecuser 500, mon 600 (group mon 600), adm group 4. */
export function users(extra: { users?: [string, number][]; groups?: [string, number][] } = {}): UserDb {
  const us: [string, number][] = [['root', 0], ['ecuser', 500], ['mon', 600], ...(extra.users ?? [])];
  const gs: [string, number][] = [['root', 0], ['adm', 4], ['ecuser', 500], ['mon', 600], ...(extra.groups ?? [])];
  return {
    describe: 'test users',
    userByName: (n) => {
      const u = us.find(([name]) => name === n);
      return u ? { name: u[0], uid: u[1], gid: u[1] } : undefined;
    },
    userById: (id) => {
      const u = us.find(([, uid]) => uid === id);
      return u ? { name: u[0], uid: u[1], gid: u[1] } : undefined;
    },
    groupByName: (n) => {
      const g = gs.find(([name]) => name === n);
      return g ? { name: g[0], gid: g[1] } : undefined;
    },
    groupById: (id) => {
      const g = gs.find(([, gid]) => gid === id);
      return g ? { name: g[0], gid: g[1] } : undefined;
    },
  };
}

export function config(paths: ConfigPath[] = [], over: Partial<MomentumConfig> = {}): MomentumConfig {
  return {
    configFile: '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf',
    files: [],
    version: '4.x',
    security: {
      user: { name: 'ecuser', id: 500, source: 'default' },
      group: { name: 'ecuser', id: 500, source: 'default' },
      supplementalGroups: [],
      chroot: null,
      capabilities: null,
    },
    paths,
    warnings: [],
    settings: { spool_mode: { value: '0640', source: 'default' } },
    ...over,
  };
}

export const SPOOL: ConfigPath = { option: 'spoolbase', path: '/var/spool/ecelerity', source: 'default', kind: 'spool' };

/** A rule set from one rules text (file `t.rules`, origin local). */
export function ruleSet(text: string): RuleSet {
  const r = parseRules(text, 't.rules', 'local');
  return { version: '4.x', files: [{ path: 't.rules', origin: 'local' }], trees: r.trees, rules: r.rules };
}

export function bind(text: string, cfg: MomentumConfig = config([SPOOL])): BoundRules {
  return bindRules(ruleSet(text), cfg, users());
}

let ino = 1;
export function entry(path: string, type: EntryType, uid: number, gid: number, mode: number): Entry {
  return { path, type, uid, gid, mode, dev: 1, ino: ino++, nlink: 1 };
}

/** check() with the parent worked out from the path. */
export function checkPath(b: BoundRules, e: Entry) {
  const i = e.path.lastIndexOf('/');
  return b.check(e, i <= 0 ? '/' : e.path.slice(0, i));
}
