/**
 * EC_CONF_SEARCH_PATH, from the tool's own environment, is honoured by every command that reads the
 * configuration: `audit` reads the same ecelerity.conf that `config` shows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/commands/audit.js';
import { memoryIo } from '../../src/commands/io.js';
import { runConfig } from '../../src/commands/config.js';
import { fixture } from '../config/helpers.js';

const ETC = '/opt/msys/ecelerity/etc';

async function auditedConfig(): Promise<string> {
  const io = memoryIo();
  await runAudit({ root: fixture('search-global'), node: 'mta1', json: true }, io);
  return JSON.parse(io.stdout()).configFile;
}

function shownConfig(): string {
  const io = memoryIo();
  runConfig({ root: fixture('search-global'), node: 'mta1', json: true }, io);
  return JSON.parse(io.stdout()).configFile;
}

describe('EC_CONF_SEARCH_PATH', () => {
  const saved = process.env['EC_CONF_SEARCH_PATH'];
  afterEach(() => {
    if (saved === undefined) delete process.env['EC_CONF_SEARCH_PATH'];
    else process.env['EC_CONF_SEARCH_PATH'] = saved;
  });

  it('without it, audit reads the first file of the default search path', async () => {
    delete process.env['EC_CONF_SEARCH_PATH'];
    expect(await auditedConfig()).toBe(`${ETC}/conf/global/ecelerity.conf`);
  });

  it('audit reads the file the variable finds, as config shows it', async () => {
    process.env['EC_CONF_SEARCH_PATH'] = `${ETC}/conf/{NODENAME}`;
    expect(shownConfig()).toBe(`${ETC}/conf/mta1/ecelerity.conf`);
    expect(await auditedConfig()).toBe(`${ETC}/conf/mta1/ecelerity.conf`);
  });

  it('an empty variable counts as unset', async () => {
    process.env['EC_CONF_SEARCH_PATH'] = '';
    expect(await auditedConfig()).toBe(`${ETC}/conf/global/ecelerity.conf`);
  });
});
