import { describe, expect, it } from 'vitest';
import type { ConfigPath } from '../../src/config/types.js';
import { MpError, renderError } from '../../src/errors.js';
import { bindRules } from '../../src/rules/index.js';
import { bind, checkPath, config, entry, ruleSet, SPOOL, users } from './builders.js';

function bindError(text: string, cfg = config([SPOOL])): string {
  try {
    bind(text, cfg);
  } catch (e) {
    if (e instanceof MpError) return renderError(e);
    throw e;
  }
  throw new Error('no error');
}

const cp = (option: string, p: string, kind: ConfigPath['kind'], extra: Partial<ConfigPath> = {}): ConfigPath => ({ option, path: p, source: 'ecelerity.conf:3', kind, ...extra });

describe('bindRules: ids and settings', () => {
  it('resolves $user, $group, names and ids', () => {
    const b = bind('tree /opt\n/opt/a  owner=$user group=$group\n/opt/b  owner=mon group=adm\n/opt/c  owner=0 group=4242');
    expect(b.user).toEqual({ name: 'ecuser', id: 500 });
    expect(b.group).toEqual({ name: 'ecuser', id: 500 });
    expect(b.bound.map((r) => [r.uid, r.gid, r.ownerText, r.groupText])).toEqual([
      [500, 500, 'ecuser (500)', 'ecuser (500)'],
      [600, 4, 'mon (600)', 'adm (4)'],
      [0, 4242, 'root (0)', '4242'],
    ]);
  });

  it('names the rule and the user database for an unknown name', () => {
    expect(bindError('/opt/a  owner=root group=nogroup')).toBe(`error MP202: group=nogroup: no such group
  --> t.rules:1:26
  |
1 | /opt/a  owner=root group=nogroup
  |                          ^
  = looked up in test users`);
  });

  it('fails with MP105/MP106 naming the stanza when the Security user or group has no id', () => {
    const sec = config().security;
    const noUser = config([], { security: { ...sec, user: { name: 'mta', id: null, source: '/opt/e.conf:4' } } });
    expect(() => bindRules(ruleSet(''), noUser, users())).toThrow(/unknown user "mta" \(named by the Security stanza at \/opt\/e.conf:4\)/);
    const noGroup = config([], { security: { ...sec, group: { name: 'ecuser', id: null, source: 'default' } } });
    try {
      bindRules(ruleSet(''), noGroup, users());
      expect.unreachable();
    } catch (e) {
      expect((e as MpError).code).toBe('MP106');
      expect((e as MpError).message).toBe('unknown group "ecuser" (named by the default of the Security stanza): no group entry');
    }
  });

  it('reads $settings from the configuration, never with setuid, setgid or sticky bits', () => {
    const cfg = config([SPOOL], { settings: { spool_mode: { value: '06777', source: 'ecelerity.conf:9' } } });
    const b = bind('tree /var/spool/ecelerity spool\n@spool/**  file.max=$spool_mode', cfg);
    expect(b.bound[0]?.modes).toEqual([{ op: 'max', on: 'file', bits: 0o777, setting: 'spool_mode', from: { setting: 'spool_mode', source: 'ecelerity.conf:9' } }]);
  });

  it('reports an unknown setting and a setting that is not octal at the rule', () => {
    expect(bindError('/opt/a  dir.max=$dir_mode')).toBe(`error MP202: unknown setting $dir_mode
  --> t.rules:1:17
  |
1 | /opt/a  dir.max=$dir_mode
  |                 ^
  = the configuration provides: $spool_mode`);
    const cfg = config([SPOOL], { settings: { spool_mode: { value: 'rw-r-----', source: 'ecelerity.conf:9' } } });
    expect(bindError('/opt/a  file.max=$spool_mode', cfg)).toBe(`error MP202: $spool_mode is "rw-r-----" (ecelerity.conf:9), not an octal mode
  --> t.rules:1:18
  |
1 | /opt/a  file.max=$spool_mode
  |                  ^`);
  });

  it('allows setuid/setgid where an exact or minimum mode asks for them', () => {
    const b = bind('/opt/a  mode=4755\n/opt/b  mode.min=2000\n/opt/c  mode.max=4755\n/opt/d  setid=deny mode=0755');
    expect(b.bound.map((r) => r.setidAllowed)).toEqual([true, true, undefined, false]);
  });
});

describe('bindRules: @kind expansion', () => {
  const paths = [
    SPOOL,
    cp('ec_logger.mainlog', '/var/log/ecelerity/mainlog.ec', 'log'),
    cp('ec_logger.paniclog', 'jlog:///var/log/ecelerity/panic.rt', 'log', { path: '/var/log/ecelerity/panic.rt', raw: 'jlog:///var/log/ecelerity/panic.rt' }),
    cp('opendkim.key', '/opt/msys/ecelerity/etc/conf/dkim/**.key', 'private-key', { pattern: true }),
    cp('tls_key', '/opt/msys/ecelerity/etc/[tls]/x.key', 'private-key'),
  ];
  const trees = 'tree /var/spool/ecelerity spool\ntree /var/log/ecelerity\ntree /opt/msys/ecelerity\n';

  it('expands into every configuration path of the kind, in configuration order', () => {
    const b = bind(trees + '@log/**  mode.deny=002\n@private-key  owner=$user\n@spool  required', config(paths));
    expect(b.bound.map((r) => [r.rule.id, r.pattern, r.configPath?.option])).toEqual([
      ['t.rules:4', '/var/log/ecelerity/mainlog.ec/**', 'ec_logger.mainlog'],
      ['t.rules:4', '/var/log/ecelerity/panic.rt/**', 'ec_logger.paniclog'],
      ['t.rules:5', '/opt/msys/ecelerity/etc/conf/dkim/*.key', 'opendkim.key'],
      ['t.rules:5', '/opt/msys/ecelerity/etc/\\[tls\\]/x.key', 'tls_key'],
      ['t.rules:6', '/var/spool/ecelerity', 'spoolbase'],
    ]);
    // Template stars are wildcards, other characters of a configuration path are literal.
    expect(b.bound[2]?.matches('/opt/msys/ecelerity/etc/conf/dkim/example.com.key')).toBe(true);
    expect(b.bound[3]?.matches('/opt/msys/ecelerity/etc/[tls]/x.key')).toBe(true);
    expect(b.bound[3]?.matches('/opt/msys/ecelerity/etc/t/x.key')).toBe(false);
    expect(b.required).toEqual([{ path: '/var/spool/ecelerity', rule: 't.rules:6' }]);
    expect(b.outside).toEqual([]);
  });

  it('lists configuration paths outside every tree, after resolving ..', () => {
    const sneaky = cp('spoolbase', '/var/spool/ecelerity/../../../etc', 'spool');
    const key = cp('tls_key', '/etc/pki/tls/private/mx.key', 'private-key');
    const b = bind(trees + '@spool/**  owner=$user', config([sneaky, key, paths[1] as ConfigPath]));
    expect(b.outside).toEqual([sneaky, key]);
    // Outside the trees a configuration path is reported, never claimed: no rule is bound to /etc.
    expect(b.bound).toEqual([]);
  });

  it('refuses a configuration path above a path a rule wants owned by root, or above a tree', () => {
    const up = cp('spoolbase', '/opt/msys/ecelerity', 'spool');
    const top = cp('persist_io.persist_path', '/var', 'persist');
    const b = bind(trees + '@spool/**  owner=$user\n@persist/**  owner=$user\n/opt/msys/ecelerity/{bin,sbin}/**  owner=root', config([up, top]));
    expect(b.refused).toEqual([
      { rule: 't.rules:4', configPath: up, because: 'lies above /opt/msys/ecelerity/bin, which t.rules:6 wants owned by root' },
      { rule: 't.rules:5', configPath: top, because: 'lies above the declared tree /var/spool/ecelerity' },
    ]);
    expect(b.outside).toEqual([up, top]);
    expect(b.bound.map((r) => r.rule.id)).toEqual(['t.rules:6']);
    // So nothing hands root's binaries to the service user.
    const v = checkPath(b, entry('/opt/msys/ecelerity/sbin/ecelerity', 'file', 0, 0, 0o755));
    expect(v.findings).toEqual([]);
  });

  it('ignores configuration-derived rules on a path a plain rule wants owned by root', () => {
    const pid = cp('pidfile', '/opt/msys/ecelerity/sbin/ecelerity', 'pidfile');
    const b = bind(trees + '/opt/msys/ecelerity/sbin/**  owner=root mode.deny=022\n@pidfile  owner=$user group=$group mode.min=0666', config([pid]));
    expect(b.refused).toEqual([]);
    const v = checkPath(b, entry('/opt/msys/ecelerity/sbin/ecelerity', 'file', 0, 0, 0o755));
    expect(v.findings).toEqual([]);
    expect(v.target).toBeNull();
  });
});

describe('bindRules: trees', () => {
  it('walks each tree once, outermost only, a later declaration winning', () => {
    const b = bind('tree /var/spool/ecelerity\ntree /opt/msys\ntree /opt/msys/ecelerity\ntree /var/spool/ecelerity spool\ntree /opt/msys2');
    expect(b.trees).toEqual([
      { path: '/opt/msys', id: 't.rules:2', origin: 'local', spool: false },
      { path: '/var/spool/ecelerity', id: 't.rules:4', origin: 'local', spool: true },
      { path: '/opt/msys2', id: 't.rules:5', origin: 'local', spool: false },
    ]);
  });

  it('names the innermost declared tree in verdicts, the tree itself for its root', () => {
    const b = bind('tree /opt/msys\ntree /opt/msys/ecelerity\n');
    expect(checkPath(b, entry('/opt/msys/ecelerity/bin/x', 'file', 0, 0, 0o755)).tree).toBe('/opt/msys/ecelerity');
    expect(checkPath(b, entry('/opt/msys/ecelerity', 'dir', 0, 0, 0o755)).tree).toBe('/opt/msys/ecelerity');
    expect(checkPath(b, entry('/opt/msys', 'dir', 0, 0, 0o755)).tree).toBe('/opt/msys');
    expect(checkPath(b, entry('/opt/msys/etc', 'dir', 0, 0, 0o755)).tree).toBe('/opt/msys');
    expect(checkPath(b, entry('/opt/other', 'dir', 0, 0, 0o755)).tree).toBeNull();
    expect(checkPath(b, entry('/opt/msys2', 'dir', 0, 0, 0o755)).tree).toBeNull();
  });
});
