import { describe, expect, it } from 'vitest';
import { textReporter } from '../../src/report/text.js';
import { Chalk } from 'chalk';
import { finding, header, render, result } from './helpers.js';

describe('text report', () => {
  it('folds two thousand findings of one rule and check into one group with the first five paths', () => {
    const many = Array.from({ length: 2000 }, (_, i) => finding(`/var/spool/ecelerity/A/${i}.M`, 'mode'));
    const { text } = render(textReporter, many);
    expect(text.match(/^mode /gm)).toHaveLength(1);
    expect(text).toContain('mode  rules/4.x.rules:12  2,000 entries — expected at most 0640');
    for (let i = 0; i < 5; i++) expect(text).toContain(`/var/spool/ecelerity/A/${i}.M  0644`);
    expect(text).not.toContain('/var/spool/ecelerity/A/5.M');
    expect(text).toContain('… and 1,995 more');
    expect(text).toContain('2,000 findings (2,000 mode): 10 entries examined in 1.23 s.');
  });

  it('keeps one group per rule and check, ordered by rules file and line, built-in checks and errors after', () => {
    const { text } = render(textReporter, [
      finding('/e', 'error', null, 'EACCES'),
      finding('/w', 'world-writable', 'builtin:world-writable'),
      finding('/b', 'owner', 'rules/4.x.rules:30'),
      finding('/a', 'mode', 'rules/4.x.rules:4'),
      finding('/c', 'group', 'rules/4.x.rules:30'),
      finding('/d', 'mode', 'rules/4.x.rules:30'),
    ]);
    const heads = text.split('\n').filter((l) => /^\S+ {2}\S+ {2}\d/.test(l)).map((l) => l.split('  ').slice(0, 2).join(' '));
    expect(heads).toEqual([
      'mode rules/4.x.rules:4',
      'owner rules/4.x.rules:30',
      'group rules/4.x.rules:30',
      'mode rules/4.x.rules:30',
      'world-writable builtin:world-writable',
      'error walk',
    ]);
  });

  it("explains each group with its rule's reason, or the first message for a built-in check", () => {
    const { text } = render(textReporter, [finding('/a', 'mode'), finding('/w', 'world-writable', 'builtin:world-writable')], {
      reasonOf: (id) => (id === 'rules/4.x.rules:12' ? 'spool files at most spool_mode' : undefined),
    });
    expect(text).toContain('mode  rules/4.x.rules:12  1 entry — expected at most 0640\n  spool files at most spool_mode\n    /a  0644');
    expect(text).toContain('world-writable  builtin:world-writable  1 entry — expected x\n  world-writable is off\n    /w  0644');
  });

  it('starts with the configuration, root and Security identity, and ends with the next command', () => {
    const { text } = render(textReporter, [finding('/x', 'owner')], { rerun: ['--root', '/srv/my root'] });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('/opt/msys/ecelerity/etc/conf/default/ecelerity.conf under /srv/mta1: user ecuser (500), group ecuser (501)');
    expect(lines.at(-1)).toBe("Next: momentum-perms fix --dry-run --root '/srv/my root'   # see what fix would change");
  });

  it.each([
    ['nothing fixable', [finding('/opt/msys/ecelerity/bin/x', 'setid', 'builtin:setid')], 'momentum-perms explain /opt/msys/ecelerity/bin/x --root /srv/mta1'],
    ['only errors', [finding('/t/locked', 'error', null, 'EACCES')], 'momentum-perms audit --root /srv/mta1'],
    ['no findings', [], 'momentum-perms snapshot --root /srv/mta1'],
  ])('suggests the right next command when %s', (_what, findings, next) => {
    const { text } = render(textReporter, findings);
    expect(text.trimEnd().split('\n').at(-1)).toContain(`Next: ${next}`);
  });

  it('prints what --since found before the summary, and repeats --since in the suggested fix', () => {
    let text = '';
    const r = textReporter({
      sink: { write: (t) => void (text += t) },
      color: new Chalk({ level: 0 }),
      quiet: false,
      rerun: ['--root', '/srv/mta1'],
      since: '/var/lib/momentum-perms/snapshots/pre-upgrade.snap',
      epilogue: () => ['Since the snapshot of 2026-11-26: 1 findings changed by the upgrade, 0 preexisting, 0 new.'],
    });
    r.start(header);
    r.finding(finding('/x', 'mode'));
    r.end(result({ findings: 1 }));
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(-4)).toEqual([
      'Since the snapshot of 2026-11-26: 1 findings changed by the upgrade, 0 preexisting, 0 new.',
      '',
      '1 finding (1 mode): 10 entries examined in 1.23 s.',
      'Next: momentum-perms fix --dry-run --since /var/lib/momentum-perms/snapshots/pre-upgrade.snap --root /srv/mta1   # see what fix would change',
    ]);
  });

  it('says so plainly when all is well, with what vanished', () => {
    const { text } = render(textReporter, [], { summary: { examined: 1234567, vanished: 3 } });
    expect(text).toContain('No drift: 1,234,567 entries examined in 1.23 s; 3 vanished during the walk (normal on a live spool).');
  });

  it('prints nothing under --quiet when there are no findings, and the full report when there are', () => {
    expect(render(textReporter, [], { quiet: true }).text).toBe('');
    expect(render(textReporter, [finding('/x', 'owner')], { quiet: true }).text).toContain('1 finding (1 owner)');
  });

  it('uses colour only through the colour instance it is given', () => {
    // eslint-disable-next-line no-control-regex
    const esc = /\u001b\[/;
    expect(render(textReporter, [finding('/x', 'owner')], { color: 0 }).text).not.toMatch(esc);
    expect(render(textReporter, [finding('/x', 'owner')], { color: 1 }).text).toMatch(esc);
  });

  it('counts errors apart in the summary line', () => {
    const { text } = render(textReporter, [finding('/t/l', 'error', null, 'EACCES'), finding('/x', 'mode')]);
    expect(text).toContain('2 findings (1 mode, 1 error): 10 entries examined in 1.23 s; 1 could not be examined.');
  });
});
