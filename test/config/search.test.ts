import { describe, expect, it } from 'vitest';
import { configJson, DEF } from './helpers.js';

const ETC = '/opt/msys/ecelerity/etc';

describe('config: which file is read', () => {
  it('3.x: etc/ecelerity.conf comes before the 4.x directories; relative includes are found beside it', () => {
    const { json } = configJson('v3-layout');
    expect(json.configFile).toBe(`${ETC}/ecelerity.conf`);
    expect(json.version).toBe('3.x');
    expect(json.files).toEqual([`${ETC}/ecelerity.conf`, `${ETC}/ecelerity-local.conf`]);
    expect(json.security.user).toEqual({ name: 'ecuser', id: 500, source: `${ETC}/ecelerity.conf:2` });
    expect(json.paths[0]).toMatchObject({ option: 'spoolbase', path: '/var/spool/ecelerity3', source: `${ETC}/ecelerity-local.conf:1` });
  });

  it('4.x: the {NODENAME} directory comes before default, chosen by --node', () => {
    const mta1 = configJson('search-node', { node: 'mta1' }).json;
    expect(mta1.configFile).toBe(`${ETC}/conf/mta1/ecelerity.conf`);
    expect(mta1.version).toBe('4.x');
    expect(mta1.security.user).toEqual({ name: 'mailer', id: 501, source: `${ETC}/conf/mta1/ecelerity.conf:1` });
    const other = configJson('search-node', { node: 'mta2' }).json;
    expect(other.configFile).toBe(`${DEF}/ecelerity.conf`);
    expect(other.security.user).toEqual({ name: 'ecuser', id: 500, source: `${DEF}/ecelerity.conf:1` });
  });

  it('4.x: global comes before the node and default directories', () => {
    const { json } = configJson('search-global', { node: 'mta1' });
    expect(json.configFile).toBe(`${ETC}/conf/global/ecelerity.conf`);
    expect(json.files).toEqual([`${ETC}/conf/global/ecelerity.conf`]);
    expect(json.settings.spoolbase).toEqual({ value: '/var/spool/global', source: `${ETC}/conf/global/ecelerity.conf:2` });
  });

  it('CONFFILE= in the environment file names the file outright (the last assignment wins)', () => {
    const { json } = configJson('environment');
    expect(json.configFile).toBe(`${ETC}/custom/ecelerity.conf`);
    expect(json.version).toBe('4.x');
    expect(json.security.user).toEqual({ name: 'mailer', id: 501, source: `${ETC}/custom/ecelerity.conf:1` });
    expect(json.security.group).toEqual({ name: 'mailer', id: 501, source: `${ETC}/custom/ecelerity.conf:1` });
  });

  it('EC_CONF_SEARCH_PATH from the environment file replaces the search path, for includes too', () => {
    const { json } = configJson('search-path-env');
    expect(json.configFile).toBe(`${ETC}/conf/site/ecelerity.conf`);
    expect(json.files).toEqual([`${ETC}/conf/site/ecelerity.conf`, `${DEF}/shared.conf`]);
    expect(json.settings.spoolbase).toEqual({ value: '/var/spool/shared', source: `${DEF}/shared.conf:1` });
  });

  it('--config wins over CONFFILE and the search path; etc/ecelerity.conf named outright is 3.x', () => {
    const a = configJson('environment', { config: `${DEF}/ecelerity.conf` }).json;
    expect(a.configFile).toBe(`${DEF}/ecelerity.conf`);
    expect(a.security.user.name).toBe('ecuser');
    const b = configJson('v3-layout', { config: `${ETC}/ecelerity.conf` }).json;
    expect(b.version).toBe('3.x');
    const c = configJson('v3-layout', { config: `${DEF}/ecelerity.conf` }).json;
    expect(c.version).toBe('4.x');
    expect(c.files).toEqual([`${DEF}/ecelerity.conf`]);
  });

  it('a relative --config under --root is taken from the root', () => {
    const { json } = configJson('v3-layout', { config: 'opt/msys/ecelerity/etc/conf/default/ecelerity.conf' });
    expect(json.configFile).toBe(`${DEF}/ecelerity.conf`);
  });
});
