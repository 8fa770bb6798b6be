/**
 * The tool's rpm under the real rpm, as root: `npm run package`'s rpm and two Momentum-like packages
 * (msys-ecelerity, msys-jlog; versions 1.0 and 2.0, files under /opt/msys with %attr, ecelerity.conf a
 * %config(noreplace)) installed with `rpm --root` into a throw-away system (this machine's / under an overlay),
 * where the scriptlets and the transaction file triggers really run, chrooted, with this machine's node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asRoot, buildMomentumRpm, buildToolPackages, CONF_PATH, EC_CTL, ECELERITY, have, JLOG, JLOGCTL, KEY, logLines, overlay, SNAPSHOTS, type Overlay } from './system.js';
import { tempDir } from '../support/root.js';


const RPM = 'rpm --root "$M" --dbpath /var/lib/rpm-momentum-perms-test';

let dir: string;
let pkgs: { tool: string; tool2: string; ece1: string; ece2: string; jlog1: string; jlog2: string };
let sys: Overlay;

const ready = asRoot && have('rpm', 'rpmbuild', 'unshare');

beforeAll(() => {
  if (!ready) return;
  dir = tempDir('rpm-e2e').dir;
  pkgs = {
    tool: buildToolPackages(path.join(dir, 'tool')).rpm,
    tool2: buildToolPackages(path.join(dir, 'tool2'), 2).rpm,
    ece1: buildMomentumRpm(dir, 'msys-ecelerity', '1.0', ECELERITY('1.0')),
    ece2: buildMomentumRpm(dir, 'msys-ecelerity', '2.0', ECELERITY('2.0')),
    jlog1: buildMomentumRpm(dir, 'msys-jlog', '1.0', JLOG('1.0')),
    jlog2: buildMomentumRpm(dir, 'msys-jlog', '2.0', JLOG('2.0')),
  };
}, 180_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The tool's rpm and version 1 of both packages installed (Debian's rpm needs its own database path, made
 * with --initdb; --nodeps: this system's packages are dpkg's), then the administrator's local choices: the
 * configuration 0640 (ecuser's, as the rules say), the DKIM key 0400, jlogctl 0750 (root's, not writable by
 * others: all allowed by the rules).
 */
beforeEach(() => {
  if (!ready) return;
  sys = overlay(fs.mkdtempSync(path.join(dir, 'sys-')));
  // The MTA's spool is its own, not a package's.
  const r = sys.run(`chroot "$M" sh -c 'mkdir -p /var/spool/ecelerity && chown ecuser:ecuser /var/spool/ecelerity && chmod 0750 /var/spool/ecelerity' || exit 9
${RPM} --initdb
${RPM} --nodeps -i '${pkgs.tool}' || exit 10
${RPM} --nodeps -i '${pkgs.ece1}' '${pkgs.jlog1}' || exit 11
chroot "$M" sh -c 'chmod 0640 ${CONF_PATH} && chmod 0400 ${KEY} && chmod 0750 ${JLOGCTL}' || exit 12`);
  expect(r.status, r.out).toBe(0);
  // The first install ran the in-trigger: no snapshot yet, the rules decided (ecuser's configuration).
  expect(logLines(sys, 'post-upgrade').length, r.out).toBeGreaterThanOrEqual(1);
  expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)]).toEqual(['500:500 0640', '500:500 0400', '0:0 0750', '0:0 0755']);
}, 120_000);
afterEach(() => {
  if (sys) fs.rmSync(sys.dir, { recursive: true, force: true });
});

/** `rpm -U` both version 2 packages in one transaction, with `before` run first; returns rpm's status and output. */
function upgrade(before = ''): { status: number; out: string } {
  const out = path.join(sys.dir, 'upgrade.out');
  const r = sys.run(`${before}\n${RPM} --nodeps -U '${pkgs.ece2}' '${pkgs.jlog2}' >'${out}' 2>&1; echo "rpm exit $?" >>'${out}'`);
  expect(r.status, r.out).toBe(0);
  const text = fs.readFileSync(out, 'utf8');
  const m = /rpm exit (\d+)\n$/.exec(text);
  return { status: Number(m?.[1] ?? -1), out: text };
}

describe.runIf(ready)('the tool\'s rpm: transaction file triggers on /opt/msys', () => {
  it('two Momentum packages upgraded in one transaction: every allowed local choice is back, each hook phase ran once', () => {
    const pre0 = logLines(sys, 'pre-upgrade').length;
    const post0 = logLines(sys, 'post-upgrade').length;
    const u = upgrade();
    expect(u.status, u.out).toBe(0);
    expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)], u.out).toEqual(['500:500 0640', '500:500 0400', '0:0 0750', '0:0 0755']);
    // One snapshot before anything changed, one fix after everything did: the log says so, once each.
    const pre = logLines(sys, 'pre-upgrade').slice(pre0);
    const post = logLines(sys, 'post-upgrade').slice(post0);
    expect(pre.filter((l) => / pre-upgrade: snapshot of \d+ entries/.test(l)), pre.join('\n')).toHaveLength(1);
    expect(post.filter((l) => / post-upgrade: fixed \d+/.test(l)), post.join('\n')).toHaveLength(1);
    expect(u.out).not.toContain('could not run');
    // The transaction ended: nothing is left pending.
    expect(fs.readdirSync(path.join(sys.upper, SNAPSHOTS)).filter((n) => n === 'pre-upgrade.snap')).toEqual([]);
    // The hooks' own metrics: every phase ran and succeeded.
    const prom = sys.read('/var/lib/prometheus/node-exporter/momentum_perms_hook.prom');
    for (const phase of ['pre-upgrade', 'post-upgrade', 'post-transaction']) {
      expect(prom).toMatch(new RegExp(`^momentum_perms_hook_last_status\\{phase="${phase}"\\} 0$`, 'm'));
    }
  });

  it('the tool upgraded in the same transaction as both Momentum packages: every allowed local choice is back all the same', () => {
    // rpm runs the old tool's %transfiletriggerpostun before the new one's %transfiletriggerin here.
    const out = path.join(sys.dir, 'self.out');
    const r = sys.run(`${RPM} --nodeps -U '${pkgs.tool2}' '${pkgs.ece2}' '${pkgs.jlog2}' >'${out}' 2>&1; echo "rpm exit $?" >>'${out}'`);
    const text = fs.readFileSync(out, 'utf8');
    expect(r.status, r.out).toBe(0);
    expect(text, text).toMatch(/rpm exit 0\n$/);
    expect(text).toMatch(/post-transaction: the tool itself is upgraded in this transaction/);
    expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)], text).toEqual(['500:500 0640', '500:500 0400', '0:0 0750', '0:0 0755']);
    expect(fs.readdirSync(path.join(sys.upper, SNAPSHOTS)).filter((n) => n === 'pre-upgrade.snap')).toEqual([]);
    expect(fs.existsSync(path.join(sys.upper, '/var/lib/momentum-perms/self-upgrade'))).toBe(false);
  });

  it('with the lock held, rpm still exits 0 and its output says the post-upgrade step could not do its job', () => {
    // A live process (the shell around rpm) holds the fix lock.
    const u = upgrade('echo $$ > "$M/var/lib/momentum-perms/lock"');
    expect(u.status, u.out).toBe(0);
    expect(u.out).toMatch(/post-upgrade: .*MP301/);
    expect(logLines(sys, 'post-upgrade').some((l) => /err: post-upgrade: .*MP301/.test(l))).toBe(true);
    // The upgrade's reset stays until someone runs the hook: the snapshot is still there for it.
    expect(sys.st(JLOGCTL)).toBe('0:0 0775');
    expect(fs.existsSync(path.join(sys.upper, SNAPSHOTS, 'pre-upgrade.snap'))).toBe(true);
    const again = sys.run('rm "$M/var/lib/momentum-perms/lock"; chroot "$M" /usr/bin/momentum-perms hook post-upgrade');
    expect(again.status, again.out).toBe(0);
    expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)], again.out).toEqual(['500:500 0640', '500:500 0400', '0:0 0750', '0:0 0755']);
  });

  it('with /usr/bin/momentum-perms removed, rpm exits 0 and says, per phase, that the hook could not run and what to run', () => {
    const u = upgrade('rm "$M/usr/bin/momentum-perms"');
    expect(u.status, u.out).toBe(0);
    for (const phase of ['pre-upgrade', 'post-upgrade', 'post-transaction']) {
      expect(u.out).toMatch(new RegExp(`^momentum-perms: hook ${phase} could not run \\(/usr/bin/momentum-perms, status 127\\).*run by hand: /usr/bin/momentum-perms hook (post-upgrade|post-transaction)$`, 'm'));
    }
    expect(sys.st(JLOGCTL)).toBe('0:0 0775');
  });

  it('with node broken, rpm exits 0 and says the hook could not run', () => {
    const u = upgrade(`printf '#!/bin/sh\\nexit 134\\n' > "$M/usr/bin/node"`);
    expect(u.status, u.out).toBe(0);
    expect(u.out).toMatch(/^momentum-perms: hook pre-upgrade could not run \(\/usr\/bin\/momentum-perms, status 134\)/m);
    expect(u.out).toMatch(/^momentum-perms: hook post-upgrade could not run \(\/usr\/bin\/momentum-perms, status 134\)/m);
  });

  it('an erase-only transaction leaves no pending snapshot behind', () => {
    const r = sys.run(`${RPM} -e msys-jlog`);
    expect(r.status, r.out).toBe(0);
    expect(fs.existsSync(path.join(sys.upper, SNAPSHOTS, 'pre-upgrade.snap')), r.out).toBe(false);
    expect(r.out).not.toContain('could not run');
  });
});
