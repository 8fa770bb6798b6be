/**
 * Shell completion, generated from the program's definition, run in the real shells: bash's programmable
 * completion with COMP_WORDS as bash sets them, and zsh's dispatch with its completion functions recorded.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { tempDir } from '../support/root.js';

let dir: string;
let bash: string;
let zsh: string;

async function script(shell: string): Promise<string> {
  const io = memoryIo();
  expect(await main(['node', 'momentum-perms', 'completion', shell], io)).toBe(0);
  return io.stdout();
}

beforeAll(async () => {
  dir = tempDir('completion').dir;
  bash = path.join(dir, 'momentum-perms.bash');
  zsh = path.join(dir, '_momentum-perms');
  fs.writeFileSync(bash, await script('bash'));
  fs.writeFileSync(zsh, await script('zsh'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What bash offers for the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `source '${bash}'; COMP_WORDS=(momentum-perms ${quoted}); COMP_CWORD=${words.length}; _momentum_perms; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: 'utf8',
    cwd: dir,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('bash completion', () => {
  it('is valid bash and registers itself for momentum-perms', () => {
    const r = spawnSync('bash', ['-c', `source '${bash}'; complete -p momentum-perms`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -F _momentum_perms momentum-perms');
  });

  it('completes commands, each command’s options, choices, hook phases and directories', () => {
    expect(complete('')).toEqual(expect.arrayContaining(['audit', 'fix', 'undo', 'hook', 'completion', '--color']));
    expect(complete('au')).toEqual(['audit']);
    expect(complete('fix', '--dr')).toEqual(['--dry-run']);
    expect(complete('audit', '--me')).toEqual(['--metrics']);
    expect(complete('audit', '--format', 'nd')).toEqual(['ndjson']);
    expect(complete('audit', '--rule-set', '')).toEqual(['3.x', '4.x']);
    expect(complete('hook', 'post-')).toEqual(['post-upgrade', 'post-transaction']);
    expect(complete('--color', 'never', 'hook', 'pre')).toEqual(['pre-upgrade']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
    fs.mkdirSync(path.join(dir, 'rootdir'));
    expect(complete('audit', '--root', 'root')).toEqual(['rootdir']);
    // An option of another command is not offered.
    expect(complete('audit', '--dry')).toEqual([]);
  });
});

describe('zsh completion', () => {
  /** Run the completion function in zsh with _describe and _arguments recording what they were given. */
  function zshComplete(...words: string[]): string {
    const stub = `_describe() { local a=$4; print -l -- \${(P)a} }; _arguments() { print -l -- "$@" }`;
    const r = spawnSync(
      'zsh',
      ['-f', '-c', `${stub}; source '${zsh}' 2>/dev/null; words=(momentum-perms ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; _momentum_perms`],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  }

  it('is valid zsh, marked #compdef', () => {
    expect(fs.readFileSync(zsh, 'utf8').split('\n')[0]).toBe('#compdef momentum-perms');
    expect(spawnSync('zsh', ['-n', zsh]).status).toBe(0);
  });

  it('offers the commands, then each command’s options with their values', () => {
    expect(zshComplete('')).toMatch(/^audit:report every entry/m);
    const fix = zshComplete('fix', '');
    expect(fix).toMatch(/^\(-n --dry-run\)-n\[print the plan/m);
    expect(fix).toMatch(/^\(-n --dry-run\)--dry-run\[print the plan/m);
    expect(fix).toMatch(/^--root\[treat DIR as \/ .*\]:dir:_files -\/$/m);
    expect(zshComplete('audit', '')).toMatch(/^--format\[output format\]:value:\(text json ndjson prometheus\)$/m);
    expect(zshComplete('hook', '')).toMatch(/^1:phase:\(pre-upgrade post-upgrade post-transaction\)$/m);
  });
});
