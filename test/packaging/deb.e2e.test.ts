/**
 * The tool's deb under the real dpkg and apt, as root: `npm run package`'s deb and two Momentum-like packages
 * (msys-ecelerity, msys-jlog; 1.0 and 2.0, files under /opt/msys, ecelerity.conf a conffile) installed into a
 * throw-away system (this machine's / under an overlay, with its dpkg database): `dpkg --root` runs the
 * maintainer scripts chrooted, as on a real host, and apt-get inside the chroot runs the apt hook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asRoot, buildMomentumDeb, buildToolPackages, CONF_PATH, EC_CTL, ECELERITY, have, JLOG, JLOGCTL, KEY, logLines, overlay, SNAPSHOTS, type Overlay } from './system.js';
import { tempDir } from '../support/root.js';


/** The local choices of beforeEach, as they must be after every upgrade that went well. */
const CHOSEN = ['500:500 0640', '500:500 0400', '0:0 0750', '0:0 0755'];

let dir: string;
let pkgs: { tool: string; ece1: string; ece2: string; jlog1: string; jlog2: string };
let sys: Overlay;

const ready = asRoot && have('dpkg', 'dpkg-deb', 'apt-get', 'unshare');

beforeAll(() => {
  if (!ready) return;
  dir = tempDir('deb-e2e').dir;
  pkgs = {
    tool: buildToolPackages(path.join(dir, 'tool')).deb,
    ece1: buildMomentumDeb(dir, 'msys-ecelerity', '1.0', ECELERITY('1.0')),
    ece2: buildMomentumDeb(dir, 'msys-ecelerity', '2.0', ECELERITY('2.0')),
    jlog1: buildMomentumDeb(dir, 'msys-jlog', '1.0', JLOG('1.0')),
    jlog2: buildMomentumDeb(dir, 'msys-jlog', '2.0', JLOG('2.0')),
  };
}, 180_000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const DPKG = (log: string): string => `dpkg --root="$M" --log='${log}'`;

/** The tool's deb and version 1 of both packages, then the local choices (all allowed by the rules). */
beforeEach(() => {
  if (!ready) return;
  sys = overlay(fs.mkdtempSync(path.join(dir, 'sys-')));
  const log = path.join(sys.dir, 'dpkg.log');
  const r = sys.run(`chroot "$M" sh -c 'mkdir -p /var/spool/ecelerity && chown ecuser:ecuser /var/spool/ecelerity && chmod 0750 /var/spool/ecelerity' || exit 9
${DPKG(log)} -i '${pkgs.tool}' || exit 10
${DPKG(log)} -i '${pkgs.ece1}' '${pkgs.jlog1}' || exit 11
chroot "$M" sh -c 'chmod 0640 ${CONF_PATH} && chmod 0400 ${KEY} && chmod 0750 ${JLOGCTL}' || exit 12`);
  expect(r.status, r.out).toBe(0);
  // dpkg ran the file trigger once for both packages: the rules decided (ecuser's configuration).
  expect(r.out.match(/post-upgrade: fixed/g) ?? [], r.out).toHaveLength(1);
  expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)]).toEqual(CHOSEN);
}, 120_000);
afterEach(() => {
  if (sys) fs.rmSync(sys.dir, { recursive: true, force: true });
});

/** Run `cmd` (after `before`) in the system; returns the command's own status and output. */
function step(cmd: string, before = ''): { status: number; out: string } {
  const out = path.join(sys.dir, 'step.out');
  const r = sys.run(`${before}\n${cmd} >'${out}' 2>&1 </dev/null; echo "exit $?" >>'${out}'`);
  expect(r.status, r.out).toBe(0);
  const text = fs.readFileSync(out, 'utf8');
  return { status: Number(/exit (\d+)\n$/.exec(text)?.[1] ?? -1), out: text };
}

/** apt-get inside the chroot installing both version 2 packages from local files: one apt run, one dpkg run. */
function aptUpgrade(before = ''): { status: number; out: string } {
  return step(
    `chroot "$M" apt-get install -y -q -o Dpkg::Use-Pty=0 -o Debug::NoLocking=1 /tmp/mp-debs/msys-ecelerity_2.0_all.deb /tmp/mp-debs/msys-jlog_2.0_all.deb`,
    `mkdir -p "$M/tmp/mp-debs" && cp '${pkgs.ece2}' '${pkgs.jlog2}' "$M/tmp/mp-debs/"\n${before}`,
  );
}

describe.runIf(ready)("the tool's deb: a dpkg file trigger on /opt/msys and the apt hook", () => {
  it('apt upgrades two Momentum packages: one snapshot before dpkg, one fix after, every allowed local choice back', () => {
    const pre0 = logLines(sys, 'pre-upgrade').length;
    const post0 = logLines(sys, 'post-upgrade').length;
    const u = aptUpgrade();
    expect(u.status, u.out).toBe(0);
    expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)], u.out).toEqual(CHOSEN);
    const pre = logLines(sys, 'pre-upgrade').slice(pre0);
    const post = logLines(sys, 'post-upgrade').slice(post0);
    expect(pre.filter((l) => / pre-upgrade: snapshot of \d+ entries/.test(l)), pre.join('\n')).toHaveLength(1);
    expect(post.filter((l) => / post-upgrade: fixed \d+ \([1-9]\d* to the pre-upgrade values/.test(l)), post.join('\n')).toHaveLength(1);
    expect(u.out).not.toContain('could not run');
    expect(fs.existsSync(path.join(sys.upper, SNAPSHOTS, 'pre-upgrade.snap'))).toBe(false);
    const prom = sys.read('/var/lib/prometheus/node-exporter/momentum_perms_hook.prom');
    for (const phase of ['pre-upgrade', 'post-upgrade', 'post-transaction']) {
      expect(prom).toMatch(new RegExp(`^momentum_perms_hook_last_status\\{phase="${phase}"\\} 0$`, 'm'));
    }
  });

  it('plain dpkg -i of both (no apt, so no pre-upgrade step): the trigger fixes once, from the baseline the timer keeps', () => {
    const base = step('chroot "$M" /usr/bin/momentum-perms snapshot --baseline');
    expect(base.status, base.out).toBe(0);
    const post0 = logLines(sys, 'post-upgrade').length;
    const u = step(`${DPKG(path.join(sys.dir, 'dpkg.log'))} -i '${pkgs.ece2}' '${pkgs.jlog2}'`);
    expect(u.status, u.out).toBe(0);
    expect(u.out.match(/post-upgrade: fixed/g) ?? [], u.out).toHaveLength(1);
    expect(logLines(sys, 'post-upgrade').slice(post0).join('\n')).toContain('baseline');
    expect([sys.st(CONF_PATH), sys.st(KEY), sys.st(JLOGCTL), sys.st(EC_CTL)], u.out).toEqual(CHOSEN);
  });

  it('with the lock held, dpkg still exits 0 and its output says the post-upgrade step could not do its job', () => {
    const u = step(`${DPKG(path.join(sys.dir, 'dpkg.log'))} -i '${pkgs.ece2}' '${pkgs.jlog2}'`, 'echo $$ > "$M/var/lib/momentum-perms/lock"');
    expect(u.status, u.out).toBe(0);
    expect(u.out).toMatch(/post-upgrade: .*MP301/);
    expect(sys.st(JLOGCTL)).toBe('0:0 0775');
  });

  it('with /usr/bin/momentum-perms removed, apt exits 0 and says, per step, that the hook could not run and what to run', () => {
    const u = aptUpgrade('rm "$M/usr/bin/momentum-perms"');
    expect(u.status, u.out).toBe(0);
    expect(u.out).toMatch(/^momentum-perms: hook pre-upgrade could not run .*run by hand: \/usr\/bin\/momentum-perms hook post-upgrade$/m);
    expect(u.out).toMatch(/^momentum-perms: hook post-upgrade could not run \(\/usr\/bin\/momentum-perms, status 127\).*run by hand: \/usr\/bin\/momentum-perms hook post-upgrade$/m);
    expect(u.out).toMatch(/^momentum-perms: hook post-transaction could not run .*run by hand: \/usr\/bin\/momentum-perms hook post-transaction$/m);
    expect(sys.st(JLOGCTL)).toBe('0:0 0775');
  });

  it('with node broken, apt exits 0 and the apt hook and the trigger each say the hook could not run', () => {
    const u = aptUpgrade(`printf '#!/bin/sh\\nexit 134\\n' > "$M/usr/bin/node"`);
    expect(u.status, u.out).toBe(0);
    expect(u.out).toMatch(/^momentum-perms: hook pre-upgrade could not run /m);
    expect(u.out).toMatch(/^momentum-perms: hook post-upgrade could not run \(\/usr\/bin\/momentum-perms, status 134\)/m);
    expect(u.out).toMatch(/^momentum-perms: hook post-transaction could not run /m);
  });

  it('the apt hook costs a host without Momentum nothing and says nothing', () => {
    // The commands exactly as apt reads them from the installed file, run the way apt runs them (sh -c).
    const script = path.join(sys.dir, 'hooks.sh');
    fs.writeFileSync(
      script,
      `apt-config dump DPkg::Pre-Invoke DPkg::Post-Invoke | grep momentum-perms | sed -n 's/^DPkg::[A-Za-z]*-Invoke:: "\\(.*\\)";$/\\1/p' > /tmp/hooks\n` +
        `[ "$(wc -l < /tmp/hooks)" -eq 2 ] || exit 9\nrm -r /opt/msys/ecelerity\nwhile read -r c; do sh -c "$c" || exit 1; done < /tmp/hooks\n`,
    );
    const u = step(`chroot "$M" sh < '${script}'`);
    expect(u.out).toBe('exit 0\n');
  });
});
