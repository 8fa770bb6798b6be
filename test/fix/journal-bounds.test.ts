/**
 * Journals the service account cannot make fill the disk: one journal is bounded (the fix stops before the
 * change it could not record, as on a full disk), and the state directory keeps the newest twenty. For real,
 * as root, in a temporary root.
 */
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixWith } from '../../src/fix/run.js';
import { audit } from '../../src/audit/index.js';
import { isMpError } from '../../src/errors.js';
import { JOURNALS_KEPT } from '../../src/fix/journal.js';
import type { TempRoot } from './helpers.js';
import { install, SPOOL, STATE } from './install.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

const asRoot = process.getuid?.() === 0;

describe.runIf(asRoot)('journal bounds', () => {
  it('a fix whose journal would pass its limit stops there: what it recorded is done, nothing after', () => {
    // 8 directories of 40 drifted files: far more journal lines than 4 kB hold.
    r = install({ dirs: 8, files: 40, fileMode: 0o666 });
    let thrown: unknown;
    try {
      fixWith(audit, { root: r.dir, journalMaxBytes: 4096, batchSize: 4 });
    } catch (e) {
      thrown = e;
    }
    expect(isMpError(thrown) && thrown.code).toBe('MP305');
    expect(String((thrown as Error).message)).toMatch(/would exceed 4096 bytes: the fix stops here/);
    const dir = r.h(`${STATE}/journal`);
    const [name] = fs.readdirSync(dir);
    const journal = fs.readFileSync(`${dir}/${name}`, 'utf8');
    expect(journal.length).toBeLessThanOrEqual(4096 + 512);
    // Every file changed has its line; the others kept the upgrade's values.
    const recorded = new Set(journal.split('\n').filter((l) => l.startsWith('{"path"')).map((l) => (JSON.parse(l) as { path: string }).path));
    let changed = 0;
    for (let d = 0; d < 8; d++) {
      for (let f = 0; f < 40; f++) {
        const p = `${SPOOL}/${d.toString(16).toUpperCase()}/m${f}`;
        const mode = fs.statSync(r.h(p)).mode & 0o777;
        if (mode !== 0o666) {
          changed++;
          expect(recorded.has(p), p).toBe(true);
        }
      }
    }
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(320);
  });

  it('keeps the newest journals and removes older ones the tool named, never other files', () => {
    r = install({ fileMode: 0o666 });
    const dir = r.h(`${STATE}/journal`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(r.h(STATE), 0o700);
    for (let i = 0; i < 30; i++) {
      const t = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString().replace(/:/g, '-');
      fs.writeFileSync(`${dir}/${t}-fix-${1000 + i}.jsonl`, '{}\n', { mode: 0o600 });
    }
    fs.writeFileSync(`${dir}/notes.txt`, 'kept\n', { mode: 0o600 });
    fixWith(audit, { root: r.dir });
    const left = fs.readdirSync(dir).sort();
    expect(left).toContain('notes.txt');
    const journals = left.filter((n) => n.endsWith('.jsonl'));
    expect(journals).toHaveLength(JOURNALS_KEPT);
    // The oldest went; the newest old ones and this run's journal stayed.
    expect(journals).not.toContain('2026-01-01T00-00-00.000Z-fix-1000.jsonl');
    expect(journals).toContain('2026-01-01T00-29-00.000Z-fix-1029.jsonl');
    expect(journals.filter((n) => !n.startsWith('2026-01-01'))).toHaveLength(1);
  });
});
