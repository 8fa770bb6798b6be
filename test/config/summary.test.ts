import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { renderSummary } from '../../src/report/config.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';
import { configText, fixture } from './helpers.js';

const DEF = '/opt/msys/ecelerity/etc/conf/default';

describe('config: the readable summary', () => {
  it('shows the file, files read, Security with ids and sources, paths and warnings', () => {
    expect(configText('override')).toBe(
      [
        `Configuration  ${DEF}/ecelerity.conf  (Momentum 4.x)`,
        `Files read     ${DEF}/ecelerity.conf`,
        `               ${DEF}/ecelerity-cluster.conf`,
        '',
        'Security',
        `  user                 mailer (501)  ${DEF}/ecelerity-cluster.conf:3`,
        `  group                ecuser (500)  ${DEF}/ecelerity.conf:3`,
        '  supplemental groups  none',
        `  chroot               /var/empty    ${DEF}/ecelerity.conf:4`,
        '  capabilities         none',
        '',
        'Paths (7)',
        `  spoolbase                /var/spool/cluster                          spool    ${DEF}/ecelerity-cluster.conf:5  files 0640 (default)`,
        '  mta_sts_policy_store     /var/spool/ecelerity/mtasts                 data     default',
        `  pidfile                  /var/run/main.pid                           pidfile  ${DEF}/ecelerity.conf:12`,
        '  masterdb_file            /var/log/ecelerity/ecdb                     data     default',
        '  license                  /opt/msys/ecelerity/etc/license             config   default',
        '  local_changes_file       /opt/msys/ecelerity/etc/local_changes.conf  config   default',
        '  persist_io.persist_path  /var/log/ecelerity/persist                  persist  default  files 0600 (default), dirs 0700 (default)',
        '',
        'Warnings (1)',
        `  chroot: Momentum runs chrooted in /var/empty; how paths resolve under chroot is not documented, so paths are reported as written (${DEF}/ecelerity.conf:4)`,
        '',
        'Package layer: absent: no rpm database (looked in /usr/lib/sysimage/rpm, /var/lib/rpm)',
        '',
      ].join('\n'),
    );
  });

  it('lists supplemental groups one per line, and says when there are no warnings', () => {
    const text = configText('syntax-all');
    expect(text).toContain(`  supplemental groups  adm (4)  `);
    expect(text).toMatch(/\n {23}mail \(8\) +\/opt\/msys\/ecelerity\/etc\/conf\/default\/ecelerity\.conf:9\n/);
    expect(text).toContain('\nNo warnings.\n\nPackage layer: absent: ');
  });

  it('colours headings and warning codes only when colour is on', () => {
    const root = makeRoot(fixture('warnings'));
    const cfg = readConfig(realFs, root, filesUserDb(realFs, root), { node: 'mta1' });
    const plain = renderSummary(cfg, new Chalk({ level: 0 }));
    const coloured = renderSummary(cfg, new Chalk({ level: 1 }));
    expect(plain).not.toMatch(/\u001b\[/);
    expect(coloured).toContain('\u001b[1mSecurity\u001b[22m');
    expect(coloured).toContain('\u001b[33munknown-id\u001b[39m');
    // Removing the escapes gives back the plain text: colour adds nothing else.
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});

describe('renderSummary escapes what the configuration says', () => {
  it('prints control characters in paths and values escaped, never raw', () => {
    const text = renderSummary(
      {
        configFile: '/etc/e\x1b[2J.conf',
        files: ['/etc/e\x1b[2J.conf'],
        version: '4.x',
        security: {
          user: { name: 'ecuser', id: 500, source: 'default' },
          group: { name: 'ecuser', id: 500, source: 'default' },
          supplementalGroups: [],
          chroot: { value: '/x\nerror MP000: forged', source: '/etc/e.conf:3:3' },
          capabilities: null,
        },
        paths: [{ option: 'mainlog', path: '/var/log/\x1b]0;t\x07x', kind: 'log', source: '/etc/e.conf:4:1', pattern: false }],
        warnings: [{ code: 'relative-path', message: 'a\nerror MP000: forged', source: '/etc/e.conf:5:1' }],
        settings: {},
      } as unknown as Parameters<typeof renderSummary>[0],
      new Chalk({ level: 0 }),
    );
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).not.toMatch(/^error MP000/m);
    expect(text).toContain('/etc/e\\x1b[2J.conf');
  });
});
