/**
 * Progress on a terminal: the line's content and pace with a controlled clock, and, through a real
 * pseudo-terminal (script(1)), the header and progress on stderr of a real audit, and nothing of it when
 * stderr is not a terminal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progress } from '../../src/report/progress.js';
import { CLI, ensureBuilt } from '../upgrade/packaging.js';
import { tempDir } from '../support/root.js';

describe('progress()', () => {
  it('writes at most five times a second, reads the clock once every 1,024 entries, escapes names, clears itself', () => {
    let t = 0;
    let reads = 0;
    const out: string[] = [];
    const p = progress((s) => out.push(s), 80, () => (reads++, t));
    for (let i = 0; i < 1023; i++) p.tick('/a');
    expect(reads).toBe(1); // the start only
    t = 100;
    p.tick('/a'); // 1,024th entry, but only 100 ms in
    expect(out).toEqual([]);
    t = 1000;
    for (let i = 0; i < 1024; i++) p.tick('/var/spool/ecelerity/\x1b[2J');
    expect(out).toEqual(['\r\x1b[K2,048 entries, 2,048/s  /var/spool/ecelerity/\\x1b[2J']);
    t = 1100;
    for (let i = 0; i < 1024; i++) p.tick('/b');
    expect(out).toHaveLength(1);
    p.end();
    expect(out[1]).toBe('\r\x1b[K');
    expect(reads).toBe(4);
  });

  it('shortens a long path from the left to fit the terminal', () => {
    let t = 0;
    const out: string[] = [];
    const p = progress((s) => out.push(s), 60, () => t);
    t = 500;
    for (let i = 0; i < 1024; i++) p.tick(`/var/spool/${'x'.repeat(100)}/end`);
    expect(out[0]).toMatch(/ …x+\/end$/);
    expect((out[0] ?? '').length - 4).toBeLessThanOrEqual(60);
  });

  it('does nothing without a terminal', () => {
    const p = progress(null);
    p.tick('/a');
    p.end();
  });
});

describe('progress through a real terminal', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = tempDir('progress').dir;
    const r = spawnSync(process.execPath, [CLI, 'example', '--root', path.join(dir, 'root')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says what it reads before the walk on a terminal, and nothing on a pipe', () => {
    const root = path.join(dir, 'root');
    // stdout to a file, stderr left on the pseudo-terminal script(1) gives the command.
    const out = path.join(dir, 'report.txt');
    const tty = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' audit --root '${root}' > '${out}'`, '/dev/null'], { encoding: 'utf8' });
    expect(tty.stdout).toMatch(/^Auditing \/opt\/msys\/ecelerity, .* for ecuser \(500\), group ecuser \(500\), as \/opt\/msys\/ecelerity\/etc\/conf\/default\/ecelerity\.conf says\r?$/m);
    expect(fs.readFileSync(out, 'utf8')).not.toContain('Auditing');
    const pipe = spawnSync(process.execPath, [CLI, 'audit', '--root', root], { encoding: 'utf8' });
    expect(pipe.stderr).toBe('');
  });
});

describe('progress of fix through a real terminal', () => {
  it('fix --dry-run on a terminal clears its progress line before the plan, and prints none on a pipe', () => {
    ensureBuilt();
    const dir = tempDir('progress-fix').dir;
    try {
      const root = path.join(dir, 'root');
      expect(spawnSync(process.execPath, [CLI, 'example', '--root', root], { encoding: 'utf8' }).status).toBe(0);
      const tty = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' fix --dry-run --root '${root}'`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(tty.stdout).toMatch(/Plan \(dry run: nothing is changed\)/);
      // Whatever progress was shown (a small install may finish before the first line), none is left on the plan's lines.
      expect(tty.stdout).not.toMatch(/entries, [\d,]+\/s {2}[^\n]*Plan/);
      const pipe = spawnSync(process.execPath, [CLI, 'fix', '--dry-run', '--root', root], { encoding: 'utf8' });
      expect(pipe.stderr).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
