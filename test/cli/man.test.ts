/**
 * The man page, momentum-perms(8): clean under mandoc's linter, rendered by man without warnings, and naming
 * every command and every option of the common set the program defines (so that it follows the CLI).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';

const PAGE = fileURLToPath(new URL('../../man/momentum-perms.8', import.meta.url));

describe('momentum-perms(8)', () => {
  it('passes mandoc -T lint (warnings and worse)', () => {
    const r = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', PAGE], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('renders with man --warnings and no complaint', () => {
    const r = spawnSync('man', ['--warnings', '-l', PAGE], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^NAME\s*\n\s+momentum-perms/m);
    expect(r.stdout).toMatch(/EXIT STATUS/);
  });

  it('names every command and each command’s flags that a person types most', () => {
    const text = fs.readFileSync(PAGE, 'utf8');
    const program = buildProgram(() => {});
    for (const c of program.commands) {
      if (c.name() === 'help') continue;
      expect(text, c.name()).toMatch(new RegExp(`^\\.It Cm ${c.name()}\\b`, 'm'));
    }
    for (const flag of ['-root', '-config', '-state-dir', '-json', '-color', '-strict', '-files-from', '-baseline', '-metrics', '-since']) {
      expect(text, flag).toContain(`Fl ${flag}`);
    }
    expect(path.basename(PAGE)).toBe('momentum-perms.8');
  });
});
