import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/pipeline.js';
import { memoryIo } from '../../src/commands/io.js';
import { runAudit } from '../../src/commands/audit.js';
import type { Finding } from '../../src/types.js';
import { e2eRoot, hostOf, pairs, type E2eRoot } from './e2e-fixture.js';
import { asRoot } from './fixture.js';

describe.runIf(asRoot)('audit of a fake root with every kind of finding (as root)', () => {
  let r: E2eRoot;
  beforeAll(() => void (r = e2eRoot()));
  afterAll(() => r.cleanup());

  it('reports exactly the planted findings, and nothing on their compliant twins', () => {
    const found: Finding[] = [];
    const res = audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(pairs(found)).toEqual(r.expected);
    expect(res.summary).toMatchObject({ findings: r.expected.length, errors: 1, vanished: 0 });
    expect(res.bound.user).toEqual({ name: 'ecuser', id: 500 });
  });

  it('reports every check of the closed set', () => {
    const checks = new Set(r.expected.map((l) => l.split(' ')[0]));
    expect([...checks].sort()).toEqual(['error', 'group', 'missing', 'mode', 'orphan', 'outside-tree', 'owner', 'setid', 'type', 'world-writable']);
  });

  it('exits 3 when a path could not be examined, even with other findings; the JSON lists the same findings', async () => {
    const io = memoryIo();
    expect(await runAudit({ root: r.dir, json: true }, io)).toBe(3);
    const doc = JSON.parse(io.stdout()) as { root: string; findings: Finding[]; summary: { errors: number } };
    expect(doc.root).toBe(r.dir);
    expect(pairs(doc.findings)).toEqual(r.expected);
    expect(doc.findings.find((f) => f.check === 'error')).toMatchObject({ path: r.tooLong, actual: 'ENAMETOOLONG' });
  });

  it('exits 1 once every path can be examined, and the text report names each group', async () => {
    execFileSync('rm', ['-rf', hostOf(r, '/var/spool/ecelerity/deep')]);
    try {
      const io = memoryIo();
      expect(await runAudit({ root: r.dir }, io)).toBe(1);
      const text = io.stdout();
      for (const check of ['owner', 'group', 'mode', 'type', 'missing', 'orphan', 'setid', 'world-writable', 'outside-tree']) {
        expect(text).toMatch(new RegExp(`^${check}  `, 'm'));
      }
      expect(text).toContain(`Next: momentum-perms fix --dry-run --root ${r.dir}`);
    } finally {
      fs.mkdirSync(hostOf(r, '/var/spool/ecelerity/deep'));
      fs.chownSync(hostOf(r, '/var/spool/ecelerity/deep'), 500, 500);
      fs.chmodSync(hostOf(r, '/var/spool/ecelerity/deep'), 0o750);
    }
  });
});
