/** Settings are resolved once, with one default per field, and frozen. */
import { describe, expect, it } from 'vitest';
import { MpError } from '../../src/errors.js';
import { apiOptions, DEFAULT_STATE_DIR, LOCAL_RULES, rerunArgs, resolveSettings } from '../../src/settings.js';

describe('resolveSettings', () => {
  it('gives every field its documented default', () => {
    expect(resolveSettings({}, {})).toEqual({
      root: { dir: '/' },
      configFile: undefined,
      node: undefined,
      searchPath: undefined,
      ruleSet: undefined,
      localRules: LOCAL_RULES,
      rulesFile: undefined,
      crossFilesystems: false,
      packages: undefined,
      stateDir: DEFAULT_STATE_DIR,
    });
  });

  it('takes EC_CONF_SEARCH_PATH from the environment it is given, empty as unset', () => {
    expect(resolveSettings({}, { EC_CONF_SEARCH_PATH: '/a:/b' }).searchPath).toBe('/a:/b');
    expect(resolveSettings({}, { EC_CONF_SEARCH_PATH: '' }).searchPath).toBeUndefined();
  });

  it('resolves --root once, and is read-only', () => {
    const s = resolveSettings({ root: '/srv/chroot/' }, {});
    expect(s.root.dir).toBe('/srv/chroot');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.root)).toBe(true);
  });

  it('refuses a rule set that does not exist', () => {
    expect(() => resolveSettings({ ruleSet: '5.x' }, {})).toThrow(MpError);
  });

  it('turns --no-packages and --rpm-dbpath into the package options', () => {
    expect(resolveSettings({ packages: false }, {}).packages).toEqual({ rpm: false });
    expect(resolveSettings({ rpmDbpath: '/var/lib/rpm' }, {}).packages).toEqual({ dbpath: '/var/lib/rpm' });
  });

  it('repeats only what differs from the defaults in a follow-up command', () => {
    expect(rerunArgs(resolveSettings({ localRules: LOCAL_RULES }, {}))).toEqual([]);
    expect(rerunArgs(resolveSettings({ root: '/r', localRules: '/x.rules', ruleSet: '3.x', packages: false }, {}))).toEqual([
      '--root',
      '/r',
      '--local-rules',
      '/x.rules',
      '--rule-set',
      '3.x',
      '--no-packages',
    ]);
  });

  it('keeps test hooks apart from the settings', () => {
    const s = resolveSettings({}, { EC_CONF_SEARCH_PATH: '/a' });
    expect(apiOptions(s)).toEqual({ root: '/', searchPath: '/a', localRules: LOCAL_RULES, crossFilesystems: false, stateDir: DEFAULT_STATE_DIR });
    const fs = {} as never;
    expect(apiOptions(s, { fs }).fs).toBe(fs);
  });
});
