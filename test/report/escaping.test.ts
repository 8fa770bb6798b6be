/**
 * Every text renderer shows names from the disk, the configuration and the package database escaped: a name
 * holding a newline, an ANSI escape sequence or a bidi override can neither forge a line nor drive the
 * terminal. One case per renderer; each prints the same hostile name.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/snapshot/index.js';
import { renderSummary } from '../../src/report/config.js';
import { fixTextReporter } from '../../src/report/fix-text.js';
import { auditingText, baselineHeldBackText, exampleEndText, exampleIntroText, exampleLeftText, pendingUpgradeText, truncatedJournalText } from '../../src/report/notices.js';
import { explainedPackageText, packageInfoText } from '../../src/report/package.js';
import { progress } from '../../src/report/progress.js';
import { explainText, rulesText } from '../../src/report/rules.js';
import { sinceLines } from '../../src/report/since.js';
import { snapshotText } from '../../src/report/snapshot.js';
import { textReporter } from '../../src/report/text.js';
import { verifyText } from '../../src/report/verify.js';
import { explainPath } from '../../src/rules/index.js';
import type { Outcome } from '../../src/types.js';
import { bind, config, entry, SPOOL, users } from '../rules/builders.js';
import { finding, header, render, result } from './helpers.js';

/** A name that clears the screen, paints red, starts a forged line and reverses what follows. */
const EVIL = '/var/spool/ecelerity/x\x1b[2J\x1b[31m\nfixed /etc/shadow\u202eyz';
const SHOWN = '/var/spool/ecelerity/x\\x1b[2J\\x1b[31m\\nfixed /etc/shadow\\u202eyz';
const plain = new Chalk({ level: 0 });

/** The text shows the name escaped, and holds no control character and no forged line. */
function escaped(text: string): void {
  expect(text).toContain(SHOWN);
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  expect(text).not.toMatch(/^fixed \/etc\/shadow/m);
}

describe('every renderer escapes names', () => {
  it('the audit text report (report/text.ts)', () => {
    let text = '';
    const r = textReporter({ sink: { write: (t) => void (text += t) }, color: plain, quiet: false, rerun: [] });
    r.start({ ...header, root: EVIL, configFile: EVIL, user: { name: EVIL, id: 500 } });
    r.finding(finding(EVIL, 'mode', 'rules/4.x.rules:12', EVIL));
    r.end(result({ findings: 1 }));
    escaped(text);
    escaped(render(textReporter, [finding(EVIL, 'orphan', null, EVIL)]).text);
  });

  it('the fix and undo text report (report/fix-text.ts), the journal named too', () => {
    let out = '';
    const r = fixTextReporter({ write: (t) => void (out += t), color: plain, command: 'fix', dryRun: false, quiet: false, rerun: ['--root', EVIL], root: '/' });
    const o: Outcome = { path: EVIL, outcome: 'failed', errno: 'EIO', message: EVIL, before: null, after: null, rule: null };
    r.sink.outcome?.(o);
    r.sink.reported(finding(EVIL, 'orphan', null, EVIL));
    r.end({ summary: { fixed: 0, unchanged: 0, refused: 0, failed: 1, planned: 0 }, reported: 1, errors: 0, journal: EVIL } as never);
    escaped(out);
    expect(out).toContain(`Journal: ${SHOWN}`);
  });

  it('the --since lines (report/since.ts)', () => {
    const before = { uid: 0, gid: 0, mode: 0o644 };
    const lines = sinceLines({
      snapshot: { created: '2026-11-29T00:00:00Z' } as never,
      notices: () => [`user ${EVIL} was re-created`],
      counts: () => ({ findings: { 'changed-by-upgrade': 1, preexisting: 0, new: 0, unrecorded: 0 }, restored: 0, remapped: 0 }),
      changedCompliant: () => ({ total: 1, entries: [{ path: EVIL, type: 'file', before, now: before, restore: false }] }),
    });
    escaped(lines.join('\n'));
  });

  it('the snapshot text (report/snapshot.ts)', () => {
    const r = {
      entries: 1,
      bytes: 10,
      durationMs: 1,
      path: '/var/lib/momentum-perms/snapshots/a.snap',
      trees: [EVIL],
      excluded: [],
      unreadable: [{ path: EVIL, errno: 'EACCES' }],
      user: { name: EVIL, id: 500 },
      group: { name: 'ecuser', id: 500 },
    } as unknown as SnapshotResult;
    escaped(snapshotText(r, []));
  });

  it('the verify text (report/verify.ts)', () => {
    const text = verifyText(
      {
        lines: [{ path: EVIL, flags: '.M.......', marker: ' ', provenance: 'p', status: 'finding', reasons: [{ status: 'finding', text: EVIL }], findings: [] }],
        summary: { files: 1, differ: 1, findings: 1, errors: 0 },
      },
      plain,
    );
    escaped(text);
  });

  it('the package layer (report/package.ts)', () => {
    escaped(packageInfoText({ present: true, files: 1, records: 1, rpm: '/usr/bin/rpm', dbpath: '/var/lib/rpm', packages: [EVIL] }, plain));
    escaped(packageInfoText({ present: false, reason: EVIL }, plain));
    escaped(explainedPackageText({ provenance: EVIL, mode: 'exact', translated: [EVIL], hazards: [EVIL] }, undefined, plain));
    escaped(explainedPackageText(null, { present: false, reason: EVIL }, plain));
  });

  it('the rules and explain texts (report/rules.ts), a configuration path and an account name among them', () => {
    const cfg = config([SPOOL, { option: 'spoolbase', path: EVIL, source: EVIL, kind: 'spool' }], {
      security: { ...config().security, user: { name: 'ecuser', id: 500, source: EVIL } },
    });
    const b = bind('tree /var/spool/ecelerity spool\n@spool/**  owner=$user file.max=$spool_mode  reason="x"', cfg);
    escaped(rulesText(b, plain));
    const e = entry(EVIL, 'file', 600, 600, 0o666);
    escaped(explainText(explainPath(b, EVIL, e, users()), plain));
  });

  it('the configuration summary (report/config.ts)', () => {
    const cfg = config([{ option: EVIL, path: EVIL, source: EVIL, kind: 'spool' }], { configFile: EVIL, files: [EVIL] });
    escaped(renderSummary(cfg, plain));
  });

  it('the notices beside reports (report/notices.ts)', () => {
    const b = bind('tree /var/spool/ecelerity spool');
    b.trees.push({ path: EVIL, id: 't', origin: 'local', spool: false });
    escaped(auditingText(b));
    escaped(pendingUpgradeText('2026-11-29T00:00:00Z', EVIL, []));
    escaped(baselineHeldBackText(EVIL));
    escaped(truncatedJournalText(EVIL));
    escaped(exampleIntroText(EVIL, 'uid 0', [{ path: EVIL, what: EVIL }], plain));
    escaped(exampleEndText(EVIL, true, plain));
    escaped(exampleLeftText(EVIL));
  });

  it('the progress line (report/progress.ts)', () => {
    let out = '';
    let t = 0;
    const p = progress((s) => void (out += s), 400, () => (t += 1000));
    for (let i = 0; i < 1024; i++) p.tick(EVIL);
    // The progress line's own control sequences (carriage return, erase line) are the only ones.
    expect(out.replace(/\r\x1b\[K/g, '')).toContain(SHOWN);
    expect(out.replace(/\r\x1b\[K/g, '')).not.toMatch(/[\u0000-\u001f]/);
  });
});
