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
