import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { asRoot, tempDir } from '../support/root.js';

describe('cli wiring', () => {
  it('prints help with status 0', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', '--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Usage: momentum-perms');
  });
  it('maps an unknown command to usage status 2', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', 'bogus'], io)).toBe(2);
    expect(io.stderr()).toContain("error MP300: unknown command 'bogus'");
  });

  it('gives every usage error its code, on the subcommands too', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', 'audit', '--bogus'], io)).toBe(2);
    expect(io.stderr()).toMatch(/^error MP300: unknown option '--bogus'$/m);
    expect(io.stdout()).toBe('');
  });

  it('says that a --root does not exist, instead of looking for a configuration in it', async () => {
    for (const cmd of ['audit', 'config', 'fix', 'rules', 'snapshot']) {
      const io = memoryIo();
      expect(await main(['node', 'momentum-perms', cmd, '--root', '/nonexistent/root'], io)).toBe(2);
      expect(io.stderr()).toBe('error MP300: --root /nonexistent/root: no such directory\n');
    }
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', 'audit', '--root', '/etc/passwd'], io)).toBe(2);
    expect(io.stderr()).toContain('--root /etc/passwd: not a directory');
  });

  it('takes -n for --dry-run and -q for --quiet, and --color=never|always|auto', async () => {
    const help = memoryIo();
    await main(['node', 'momentum-perms', 'fix', '--help'], help);
    expect(help.stdout()).toMatch(/-n, --dry-run/);
    expect(help.stdout()).toMatch(/-q, --quiet/);
    const audit = memoryIo();
    await main(['node', 'momentum-perms', 'audit', '--help'], audit);
    expect(audit.stdout()).toMatch(/-q, --quiet/);
    const always = memoryIo();
    await main(['node', 'momentum-perms', '--color=always', 'example'], always);
    expect(always.stdout()).toContain('\x1b[');
    const never = memoryIo();
    await main(['node', 'momentum-perms', 'example', '--color', 'never'], never);
    expect(never.stdout()).not.toContain('\x1b[');
    expect(never.stdout()).toContain('findings');
    const bad = memoryIo();
    expect(await main(['node', 'momentum-perms', '--color', 'sometimes', 'rules'], bad)).toBe(2);
    expect(bad.stderr()).toMatch(/error MP300: option '--color <when>' argument 'sometimes' is invalid/);
  });
});

describe('error rendering', () => {
  it('escapes control characters from names and lines, keeps tabs, and keeps the caret under the column', async () => {
    const { MpError, renderError } = await import('../../src/errors.js');
    const e = new MpError('MP101', 'bad name "a\nerror MP000: forged"', {
      location: { file: '/x.conf', line: 7, column: 6 },
      sourceLine: '\t\x1b[2Jx = = y',
    });
    expect(renderError(e)).toBe(
      [
        'error MP101: bad name "a\\nerror MP000: forged"',
        '  --> /x.conf:7:6',
        '  |',
        '7 | \t\\x1b[2Jx = = y',
        '  | \t       ^',
      ].join('\n'),
    );
  });
});

describe.runIf(asRoot)('errors that name their cause', () => {
  it('a journal or snapshot that does not exist is "no such file", not a hint about ownership', async () => {
    const fs = await import('node:fs');
    const dir = tempDir('cause').dir;
    try {
      const io = memoryIo();
      expect(await main(['node', 'momentum-perms', 'undo', '--root', dir, '/nonexistent.jsonl'], io)).toBe(2);
      expect(io.stderr()).toMatch(/^error MP302: cannot read journal \/nonexistent\.jsonl: ENOENT$/m);
      expect(io.stderr()).toMatch(/= no such file or directory: check the path/);
      expect(io.stderr()).not.toMatch(/owned by root and writable by root alone/);
      const missingDir = memoryIo();
      expect(await main(['node', 'momentum-perms', 'undo', '--root', dir, '/no/such/dir/j.jsonl'], missingDir)).toBe(2);
      expect(missingDir.stderr()).toMatch(/= no such file or directory/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

