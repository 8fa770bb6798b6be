import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { memoryIo } from '../src/commands/io.js';

describe('cli wiring', () => {
  it('prints help with status 0', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', '--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Usage: momentum-perms');
  });
  it('maps an unknown command to usage status 2', async () => {
    const io = memoryIo();
    expect(await main(['node', 'momentum-perms', 'bogus'], io)).toBe(2);
    expect(io.stderr()).toContain("unknown command 'bogus'");
  });
});

describe('error rendering', () => {
  it('escapes control characters from names and lines, keeps tabs, and keeps the caret under the column', async () => {
    const { MpError, renderError } = await import('../src/errors.js');
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
