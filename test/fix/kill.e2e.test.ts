/**
 * A run killed at any moment: with SIGKILL in the middle of a real CLI run, and in-process between
 * journaling a batch and applying it. Undo must restore every change made, and a rerun must complete.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fix } from '../../src/pipeline.js';
import { undo } from '../../src/fix/undo.js';
import type { JournalRecord } from '../../src/fix/types.js';
import { changed, perms, snapshot, type TempRoot } from './helpers.js';
import { BIN, cli, install, journals, momentum, SPOOL, STATE } from './install.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function records(host: string): JournalRecord[] {
  const lines = fs.readFileSync(host, 'utf8').split('\n');
  // The header, then complete lines; a line cut short by the kill has no newline and is not a record.
  return lines.slice(1, -1).map((l) => JSON.parse(l) as JournalRecord);
}

const outsideState = (a: Map<string, unknown>, b: Map<string, unknown>): string[] =>
  changed(a as never, b as never).map((p) => momentum(r, p)).filter((p) => !p.startsWith(STATE) && p !== '/var/lib');

describe('a run killed in the middle', () => {
  it('SIGKILL during a CLI fix: the journal covers every change, undo restores them all, a rerun completes', async () => {
    expect(fs.existsSync(BIN.replace('bin/momentum-perms.js', 'dist/bundle/cli.js')), 'run npm run build first').toBe(true);
    r = install({ dirs: 16, files: 3000, fileMode: 0o644 });
    const total = 16 * 3000;
    const before = snapshot(r.dir);
    const child = spawn(process.execPath, [BIN, 'fix', '--root', r.dir], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, sig) => res(sig)));
    let journal: string | undefined;
    for (let i = 0; i < 20000 && journal === undefined; i++) {
      const j = journals(r)[0];
      if (j !== undefined && fs.readFileSync(j, 'utf8').split('\n').length > 3) journal = j;
      else pause(1);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(journal).toBeDefined();
    const recs = records(journal as string);
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.length).toBeLessThan(total); // killed before the end

    // Every journaled entry is at its before or its after; nothing else moved.
    const journaled = new Set(recs.map((x) => x.path));
    for (const x of recs) {
      const now = perms(r.h(x.path));
      expect([JSON.stringify(x.before), JSON.stringify(x.after)]).toContain(JSON.stringify(now));
    }
    const moved = outsideState(before, snapshot(r.dir));
    expect(moved.filter((p) => !journaled.has(p))).toEqual([]);
    expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(true); // left behind by the killed run

    // Undo (taking over the stale lock) puts everything back.
    const u = await cli('undo', momentum(r, journal as string), '--root', r.dir, '--json');
    expect(u.code).toBe(0);
    expect(outsideState(before, snapshot(r.dir))).toEqual([]);

    // A rerun completes the fix; the next has nothing to do.
    const again = await cli('fix', '--root', r.dir, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).summary.fixed).toBe(total);
    expect(perms(r.h(`${SPOOL}/F/m2999`)).mode).toBe(0o640);
    expect((await cli('fix', '--root', r.dir)).out).toContain('Nothing to fix');
  }, 120_000);

  it('stopped between journaling a batch and applying it: undo counts those entries as unchanged', () => {
    r = install({ dirs: 1, files: 40, fileMode: 0o644 });
    const before = snapshot(r.dir);
    let batches = 0;
    expect(() =>
      fix({
        root: r.dir,
        batchSize: 16,
        beforeApply: () => {
          if (++batches === 3) throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    const j = journals(r)[0] as string;
    const recs = records(j);
    // Spool root and its directory are fine; the files come in batches of 16: two applied, one journaled only.
    expect(recs).toHaveLength(32 + 8);
    expect(recs.filter((x) => perms(r.h(x.path)).mode === 0o640)).toHaveLength(32);
    const u = undo(momentum(r, j), { root: r.dir });
    expect(u.summary).toMatchObject({ fixed: 32, unchanged: 8, refused: 0, failed: 0 });
    expect(outsideState(before, snapshot(r.dir))).toEqual([]);
    expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(false); // released on the way out
  });
});
