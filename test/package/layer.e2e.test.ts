/**
 * The package layer on a real rpm install (rpmbuild, rpm --root … --dbpath /var/lib/rpm --nodeps --noscripts),
 * as root: the exact findings of audit, explain and verify with `user = mailer`, and with `user = ecuser`
 * none where rpm -V has none (except the packaging hazard, which rpm -V cannot see).
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/pipeline.js';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { readPackages } from '../../src/package/query.js';
import type { Finding } from '../../src/types.js';
import { asRoot, CONF, haveRpm, NEVRA, removeBuilt, rpmRoot, setUser, type RpmRoot } from './rpm-fixture.js';

afterAll(() => removeBuilt());

/** The id of the shipped rule whose line starts with `prefix`. */
function shipped(prefix: string): string {
  const lines = fs.readFileSync(new URL('../../rules/4.x.rules', import.meta.url), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no shipped rule starts with ${prefix}`);
  return `rules/4.x.rules:${i + 1}`;
}
const BIN_RULE = shipped('/opt/msys/ecelerity/{bin,');
const CONF_RULE = shipped('/opt/msys/ecelerity/etc/conf/** ');
const P = (decl: string): string => `${NEVRA}: ${decl}`;
const CONSOLE = '/opt/msys/ecelerity/bin/ec_console';
const ROTATE = '/opt/msys/ecelerity/bin/ec_rotate';
const TLS = '/opt/msys/ecelerity/etc/conf/default/tls.conf';
const MON = '/opt/msys/ecelerity/etc/conf/default/mon.conf';
const MTA = '/opt/msys/ecelerity/sbin/ecelerity';
const EVIL = '/opt/msys/ecelerity/bin/evil';
const SITE = '/opt/msys/ecelerity/bin/site-tool';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(['node', 'momentum-perms', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function lines(found: Finding[]): string[] {
  return found.map((f) => `${f.check} ${f.path} ${f.rule ?? ''}`).sort();
}

function plant(r: RpmRoot, p: string, uid: number): void {
  fs.writeFileSync(r.h(p), '#!/bin/sh\n');
  fs.chownSync(r.h(p), uid, uid);
  fs.chmodSync(r.h(p), 0o755);
}

describe.runIf(asRoot && haveRpm)('package layer: a real rpm install with user = mailer (as root)', () => {
  let r: RpmRoot;
  beforeAll(() => {
    r = rpmRoot();
    setUser(r, 'mailer');
    plant(r, EVIL, 501); // what a compromised service account would leave for root to run
    plant(r, SITE, 0); // a site's own tool, named by a local rule
    fs.mkdirSync(r.h('/etc/momentum-perms'), { mode: 0o755 });
    fs.writeFileSync(r.h('/etc/momentum-perms/local.rules'), `${SITE}  owner=root mode=0755  reason="site tool"\n`);
    fs.chmodSync(r.h(TLS), 0o600); // a %config file tightened by the administrator
    fs.rmSync(r.h(MTA)); // a package file gone
  });
  afterAll(() => r.cleanup());

  it('audit: Security-stanza translation, the hazard, the planted file, the missing file; nothing on the tightened %config or the %ghost', () => {
    const found: Finding[] = [];
    const res = audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(res.bound.packages?.info).toMatchObject({ present: true, dbpath: '/var/lib/rpm', packages: [NEVRA], files: 17 });
    const dir755 = P('%dir %attr(0755,ecuser,ecuser)');
    const expected = [
      // ecuser's files as the package laid them down: the Security stanza wants mailer.
      ...['/opt/msys/ecelerity/etc/conf', '/opt/msys/ecelerity/etc/conf/default', '/var/log/ecelerity'].flatMap((p) => [`owner ${p} ${dir755}`, `group ${p} ${dir755}`]),
      `owner /var/spool/ecelerity ${P('%dir %attr(0750,ecuser,ecuser)')}`,
      `group /var/spool/ecelerity ${P('%dir %attr(0750,ecuser,ecuser)')}`,
      `owner ${CONF} ${P('%config(noreplace) %attr(0640,ecuser,ecuser)')}`,
      `group ${CONF} ${P('%config(noreplace) %attr(0640,ecuser,ecuser)')}`,
      `owner ${TLS} ${P('%config(noreplace) %attr(0644,ecuser,ecuser)')}`,
      `group ${TLS} ${P('%config(noreplace) %attr(0644,ecuser,ecuser)')}`,
      // The package's ecmon has no passwd entry: reported; the shipped etc/conf rule still wants $user.
      `packaging ${MON} ${P('%attr(0640,ecmon,ecuser)')}`,
      `owner ${MON} ${CONF_RULE}`,
      `group ${MON} ${P('%attr(0640,ecmon,ecuser)')}`,
      // The binary the package declares ecuser's: the shipped invariant wins, and that is a hazard.
      `owner ${CONSOLE} ${BIN_RULE}`,
      `group ${CONSOLE} ${P('%attr(0755,ecuser,ecuser)')}`,
      `packaging ${CONSOLE} ${P('%attr(0755,ecuser,ecuser)')}`,
      // A group-writable binary: the shipped `mode.deny=022` wins over the package's 0775.
      `mode ${ROTATE} ${BIN_RULE}`,
      `packaging ${ROTATE} ${P('%attr(0775,root,root)')}`,
      `owner ${EVIL} ${BIN_RULE}`,
      `unowned ${EVIL} builtin:unowned`,
      `missing ${MTA} ${P('%attr(0755,root,root)')}`,
    ];
    expect(lines(found)).toEqual(expected.sort());
    expect(found.find((f) => f.check === 'packaging' && f.path === ROTATE)?.message).toBe(
      `the package declares mode 0775; ${BIN_RULE} wants none of 0022 and wins: a packaging hazard`,
    );
    const hazard = found.find((f) => f.check === 'packaging' && f.path === CONSOLE);
    expect(hazard).toMatchObject({ expected: 'root (0)', actual: 'ecuser (mailer (501) here)' });
    expect(hazard?.message).toBe(`the package declares owner ecuser (mailer (501) here); ${BIN_RULE} wants root (0) and wins: a packaging hazard`);
    expect(found.find((f) => f.check === 'owner' && f.path === CONF)).toMatchObject({ expected: 'mailer (501)', actual: 'ecuser (500)' });
  });

  it('explain: provenance, translation, the hazard and the winner of each attribute', async () => {
    const c = await cli('explain', '--root', r.dir, CONSOLE, '--json');
    expect(c.code).toBe(1);
    const x = JSON.parse(c.out) as { winners: { attribute: string; rule: string; expected: string }[]; package: { provenance: string; mode: string; translated: string[]; hazards: string[] }; findings: Finding[] };
    expect(x.package.provenance).toBe(P('%attr(0755,ecuser,ecuser)'));
    expect(x.package.mode).toBe('exact');
    expect(x.package.translated).toEqual([`group ecuser → mailer (the Security stanza, ${CONF}:3)`]);
    expect(x.package.hazards).toEqual([`the package declares owner ecuser (mailer (501) here); ${BIN_RULE} wants root (0) and wins: a packaging hazard`]);
    expect(x.winners).toEqual([
      { attribute: 'type', rule: P('%attr(0755,ecuser,ecuser)'), expected: 'file' },
      { attribute: 'owner', rule: BIN_RULE, expected: 'root (0)' },
      { attribute: 'group', rule: P('%attr(0755,ecuser,ecuser)'), expected: 'mailer (501)' },
      { attribute: 'mode.exact', rule: P('%attr(0755,ecuser,ecuser)'), expected: '0755' },
    ]);
    expect(x.findings.map((f) => f.check)).toEqual(['owner', 'group', 'packaging']);

    const tls = await cli('explain', '--root', r.dir, TLS);
    expect(tls.out).toContain(`Package: ${P('%config(noreplace) %attr(0644,ecuser,ecuser)')}  (mode an upper bound)`);
    expect(tls.out).toMatch(/mode\.max +at most 0644 +msys-ecelerity/);
    expect(tls.out).not.toMatch(/^ {2}mode /m);

    const ghost = await cli('explain', '--root', r.dir, '/var/log/ecelerity/mainlog.ec');
    expect(ghost.code).toBe(0);
    expect(ghost.out).toContain('%ghost %attr(0640,ecuser,ecuser)');

    const gone = await cli('explain', '--root', r.dir, MTA, '--json');
    expect(gone.code).toBe(1);
    expect((JSON.parse(gone.out) as { findings: Finding[] }).findings).toEqual([
      { path: MTA, check: 'missing', expected: 'exists', actual: 'missing', rule: P('%attr(0755,root,root)'), message: `a file of ${NEVRA} does not exist` },
    ]);

    const planted = await cli('explain', '--root', r.dir, EVIL);
    expect(planted.out).toContain('Package: no package owns this path');
  });

  it('verify before and after fix: rpm -V flags for owner, group and mode, and the reason for each', async () => {
    const before = await cli('verify', '--root', r.dir, '--json');
    expect(before.code).toBe(1);
    type Line = { path: string; flags: string; marker: string; status: string; reasons: { status: string; text: string }[] };
    const doc = JSON.parse(before.out) as { files: Line[]; summary: { files: number; differ: number; findings: number } };
    const by = new Map(doc.files.map((l) => [l.path, l]));
    expect(by.get(TLS)).toMatchObject({ flags: '.M.......', marker: 'c', status: 'finding' });
    expect(by.get(TLS)?.reasons).toContainEqual({ status: 'ok', text: "mode 0600: within the package's upper bound 0644 (%config: the administrator may tighten it)" });
    expect(by.get(CONF)?.reasons).toContainEqual({
      status: 'finding',
      text: `owner: ecuser (500) as the package laid it down (an install or upgrade reset it); ${P('%config(noreplace) %attr(0640,ecuser,ecuser)')} wants mailer (501)`,
    });
    expect(by.get(MTA)).toMatchObject({ flags: 'missing', status: 'finding' });
    expect(by.has('/var/log/ecelerity/mainlog.ec')).toBe(false);
    expect(by.has('/opt/msys/ecelerity/bin/ec_ctl')).toBe(false);

    const fixed = await cli('fix', '--root', r.dir);
    expect(fixed.code).toBe(1); // the hazard, the unowned file and the missing file stay: reported, never fixed

    const after = await cli('verify', '--root', r.dir, '--json');
    const doc2 = JSON.parse(after.out) as { files: Line[] };
    const by2 = new Map(doc2.files.map((l) => [l.path, l]));
    expect(by2.get(CONF)).toMatchObject({ flags: '.....UG..', status: 'ok' });
    expect(by2.get(CONF)?.reasons).toEqual([
      { status: 'ok', text: `owner mailer: user ecuser → mailer (the Security stanza, ${CONF}:2)` },
      { status: 'ok', text: `group mailer: group ecuser → mailer (the Security stanza, ${CONF}:3)` },
    ]);
    // fix refuses to make root's a binary the service account can write now (writable-content): it stays as
    // the package laid it down, and verify says so.
    expect(by2.get(CONSOLE)).toMatchObject({ flags: '.........', status: 'finding' });
    expect(by2.get(CONSOLE)?.reasons[0]).toEqual({
      status: 'finding',
      text: `owner: ecuser (500) as the package laid it down (an install or upgrade reset it); ${BIN_RULE} wants root (0)`,
    });
    expect(doc2.files.filter((l) => l.status !== 'ok').map((l) => l.path).sort()).toEqual([MON, CONSOLE, ROTATE, MTA].sort());
    expect(by2.get(ROTATE)).toMatchObject({ flags: '.M.......', marker: ' ' });
    expect(by2.get(ROTATE)?.reasons[0]).toEqual({ status: 'ok', text: `mode 0755: the shipped rule ${BIN_RULE} wins over the package` });

    // The flag column agrees with rpm -V's own for owner (U), group (G) and mode (M).
    const rpm = new Map(r.rpmV().map((l) => /^(\S+)\s+(?:[cdglr] )?(\/.*)$/.exec(l)).map((m) => [m?.[2], m?.[1]]));
    for (const l of doc2.files) {
      const theirs = rpm.get(l.path);
      if (l.flags === 'missing') expect(theirs).toBe('missing');
      else expect([l.flags[1], l.flags[5], l.flags[6]]).toEqual([theirs?.[1] ?? '.', theirs?.[5] ?? '.', theirs?.[6] ?? '.']);
    }
    const text = await cli('verify', '--root', r.dir);
    // Line for line rpm -V's own output, with the columns verify does not examine shown as '.'.
    const mug = (l: string): string => (l.startsWith('missing') ? l : [...l].map((ch, i) => (i < 9 && ![1, 5, 6].includes(i) ? '.' : ch)).join(''));
    expect(text.out.split('\n').filter((l) => /^[.SM5DLUGTP?]{9}  |^missing/.test(l) && !l.startsWith('.........'))).toEqual(r.rpmV().map(mug));
    expect(text.out).toContain('.....UG..  c /opt/msys/ecelerity/etc/conf/default/ecelerity.conf\n    ok       owner mailer: user ecuser → mailer');
  });
});

describe.runIf(asRoot && haveRpm)('package layer: exact modes, and what fix does with them (as root)', () => {
  let r: RpmRoot;
  beforeAll(() => void (r = rpmRoot()));
  afterAll(() => r.cleanup());

  it('a package binary tightened is drift from its exact mode, and fix restores it; a tightened %config file is left alone', async () => {
    const CTL = '/opt/msys/ecelerity/bin/ec_ctl';
    fs.chmodSync(r.h(CTL), 0o700);
    fs.chmodSync(r.h(TLS), 0o600);
    const found: Finding[] = [];
    audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(found.filter((f) => f.path === CTL || f.path === TLS)).toEqual([
      { path: CTL, check: 'mode', expected: '0755', actual: '0700', rule: P('%attr(0755,root,root)'), message: 'mode 0700, expected 0755' },
    ]);
    await cli('fix', '--root', r.dir);
    expect(fs.statSync(r.h(CTL)).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(r.h(TLS)).mode & 0o7777).toBe(0o600);
  });
});

describe.runIf(asRoot && haveRpm)('package layer: the same install with user = ecuser (as root)', () => {
  let r: RpmRoot;
  beforeAll(() => void (r = rpmRoot()));
  afterAll(() => r.cleanup());

  it('no finding where rpm -V has none; the hazard (which rpm -V cannot see) and the unknown account remain', async () => {
    const rpmV = r.rpmV();
    // rpm -V is silent, on mon.conf too: its ecmon has no passwd entry, so rpm installed it as root and verifies it against root.
    expect(rpmV).toEqual([]);
    const found: Finding[] = [];
    audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(lines(found)).toEqual(
      [
        `owner ${CONSOLE} ${BIN_RULE}`,
        `packaging ${CONSOLE} ${P('%attr(0755,ecuser,ecuser)')}`,
        `owner ${MON} ${CONF_RULE}`,
        `packaging ${MON} ${P('%attr(0640,ecmon,ecuser)')}`,
        `mode ${ROTATE} ${BIN_RULE}`,
        `packaging ${ROTATE} ${P('%attr(0775,root,root)')}`,
      ].sort(),
    );
    const v = await cli('verify', '--root', r.dir);
    expect(v.code).toBe(1);
    expect(v.out.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      `.........    ${CONSOLE}`,
      `.........    ${ROTATE}`,
      `.........    ${MON}`,
      '17 package files: 0 differ from their package; 6 findings.',
    ]);
  });
});

describe.runIf(asRoot && haveRpm)('package layer: absent, and said so (as root)', () => {
  let r: RpmRoot;
  beforeAll(() => void (r = rpmRoot()));
  afterAll(() => r.cleanup());

  it('is absent without rpm, when turned off, without a database, or with one others can write', async () => {
    const reason = (o: Parameters<typeof audit>[0]): string | undefined => audit(o).bound.packages?.info.reason;
    expect(reason({ root: r.dir, packages: { rpm: '/nonexistent/rpm' } })).toBe('no rpm program at /nonexistent/rpm');
    expect(reason({ root: r.dir, packages: { rpm: false } })).toBe('turned off (--no-packages)');
    expect(reason({ root: r.dir, packages: { dbpath: '/usr/lib/sysimage/rpm' } })).toBe('no rpm database in /usr/lib/sysimage/rpm');
    fs.chmodSync(r.h('/var/lib/rpm'), 0o777);
    try {
      // A database the service account could write would let it declare root's binaries its own.
      expect(reason({ root: r.dir })).toBe('the rpm database /var/lib/rpm is not trusted: writable by group or others (mode 0777)');
    } finally {
      fs.chmodSync(r.h('/var/lib/rpm'), 0o755);
    }
    const rules = await cli('rules', '--root', r.dir, '--no-packages');
    expect(rules.out).toContain('\nPackage layer: absent: turned off (--no-packages)\n');
    // rpm formats only the packages with files in the trees: other-tool's 4 records are never printed.
    const all = readPackages(realFs, makeRoot(r.dir), () => true);
    expect(all.present && all.packages).toEqual([NEVRA, 'other-tool-1.0-1.noarch']);
    expect(all.present && all.records).toBe(21);
    const present = await cli('rules', '--root', r.dir);
    expect(present.out).toContain(`\nPackage layer: 17 file records in the declared trees (of 17 read) from /usr/bin/rpm --dbpath /var/lib/rpm`);
    const config = await cli('config', '--root', r.dir, '--rpm-dbpath', '/nowhere');
    expect(config.out).toContain('\nPackage layer: absent: no rpm database in /nowhere\n');
    const verify = await cli('verify', '--root', r.dir, '--no-packages');
    expect(verify.code).toBe(2);
    expect(verify.err).toContain('nothing to verify: the package layer is absent (turned off (--no-packages))');
  });

  it('without a package layer, the planted file is not an unowned finding and no missing package file is reported', () => {
    plant(r, EVIL, 0);
    const found: Finding[] = [];
    audit({ root: r.dir, packages: { rpm: false }, onFinding: (f) => found.push(f) });
    expect(found.filter((f) => f.check === 'unowned' || f.check === 'packaging')).toEqual([]);
  });
});

describe.runIf(asRoot && haveRpm)('package layer: the configuration cannot take a root file from the package (as root)', () => {
  let r: RpmRoot;
  const PEM = '/opt/msys/ecelerity/etc/root.pem';
  beforeAll(() => {
    r = rpmRoot();
    fs.appendFileSync(r.h(CONF), `tls_key = "${PEM}"\n`);
  });
  afterAll(() => r.cleanup());

  it('a root-owned package file named by the configuration keeps its package expectation', async () => {
    const found: Finding[] = [];
    audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(found.filter((f) => f.path === PEM)).toEqual([]);
    const x = JSON.parse((await cli('explain', '--root', r.dir, PEM, '--json')).out) as { rules: { written: string; ignored: string | null }[]; winners: { attribute: string; rule: string }[] };
    expect(x.rules.find((b) => b.written === '@private-key')?.ignored).toBe('derived from the configuration, and a plain rule wants this path owned by root');
    expect(x.winners.find((w) => w.attribute === 'owner')?.rule).toBe(P('%attr(0644,root,root)'));
    // Without the layer, the configuration-derived rule is what applies there.
    const without: Finding[] = [];
    audit({ root: r.dir, packages: { rpm: false }, onFinding: (f) => without.push(f) });
    expect(lines(without.filter((f) => f.path === PEM))).toEqual([`mode ${PEM} ${shipped('@private-key ')}`, `owner ${PEM} ${shipped('@private-key ')}`]);
  });
});
