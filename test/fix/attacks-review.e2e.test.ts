/**
 * A compromised service account against the root-run fixer, each attack set up for real in a temporary
 * root: it prepares links, FIFOs, devices, swapped directories, crafted configuration and planted files,
 * then root runs `fix` or `undo`. Every test asserts that the attack is refused and that no inode outside
 * the intended entries changed owner, group or mode.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/io/lock.js';
import { fix } from '../../src/pipeline.js';
import { openState } from '../../src/io/state.js';
import { makeRoot } from '../../src/io/fs.js';
import type { Outcome } from '../../src/types.js';
import { ensureBuilt } from '../upgrade/packaging.js';
import { changed, ECGROUP, ECUSER, file, mkdir, perms, snapshot, snapshotEtc, type TempRoot } from './helpers.js';
import { BIN, cli, CONF, conf, install, journals, momentum, SPOOL, STATE } from './install.js';

let r: TempRoot;
afterEach(() => r?.cleanup());

interface Report {
  outcomes: Outcome[];
  reported: { path: string; check: string }[];
  journal: string | null;
  summary: Record<string, number>;
}

const world = () => ({ root: snapshot(r.dir), etc: snapshotEtc() });

/** Momentum paths whose owner, group or mode changed since `before` (state directory left out); /etc must not change. */
function changedSince(before: ReturnType<typeof world>): string[] {
  expect(changed(before.etc, snapshotEtc())).toEqual([]);
  return changed(before.root, snapshot(r.dir))
    .map((p) => momentum(r, p))
    .filter((p) => !p.startsWith(STATE) && p !== '/var/lib')
    .sort();
}

async function fixJson(...args: string[]): Promise<{ code: number; rep: Report; err: string }> {
  const x = await cli('fix', '--root', r.dir, '--json', ...args);
  return { code: x.code, rep: (x.out === '' ? null : JSON.parse(x.out)) as Report, err: x.err };
}

const outcomeOf = (rep: Report) => Object.fromEntries(rep.outcomes.map((o) => [o.path, o.reason ? `${o.outcome} ${o.reason}` : o.outcome]));

/** The built CLI in a child process with a time limit: a run that blocks (a FIFO opened) fails the test. */
function cliChild(...args: string[]): { code: number | null; out: string; err: string } {
  const p = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: p.status, out: p.stdout, err: p.stderr };
}

/** Local rules (root's, as they must be). */
function localRules(text: string): void {
  mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
  file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644, text);
}

/** A fix journal with one mode change of the spool file `name`, and its Momentum path. */
async function journalOfOneFix(name = 'm1'): Promise<string> {
  fs.chmodSync(r.h(`${SPOOL}/0/${name}`), 0o644);
  const f = await fixJson();
  expect(f.rep.summary['fixed']).toBe(1);
  return f.rep.journal as string;
}

const noStack = (text: string): void => expect(text).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);

describe('hard links to what is not a regular file', () => {
  it('a device node linked into the spool where a rule names devices is refused, and its other name keeps its values', async () => {
    r = install();
    execFileSync('mknod', ['-m', '0666', r.h('/outside/null'), 'c', '1', '3']);
    fs.linkSync(r.h('/outside/null'), r.h(`${SPOOL}/0/dev`));
    localRules(`${SPOOL}/0/dev  type=char owner=$user group=$group mode=0600  reason="test: a device the rules name"\n`);
    const before = world();
    const x = await fixJson();
    expect(outcomeOf(x.rep)).toEqual({ [`${SPOOL}/0/dev`]: 'refused hardlinked' });
    expect(changedSince(before)).toEqual([]);
    expect(perms(r.h('/outside/null'))).toEqual({ uid: 0, gid: 0, mode: 0o666 });
  });

  it('a FIFO with a second name is refused the same way, without being opened', async () => {
    r = install();
    execFileSync('mkfifo', ['-m', '0644', r.h('/outside/pipe')]);
    fs.linkSync(r.h('/outside/pipe'), r.h(`${SPOOL}/0/pipe`));
    localRules(`${SPOOL}/0/pipe  type=fifo owner=$user group=$group mode=0600  reason="test"\n`);
    const before = world();
    const x = await fixJson();
    expect(outcomeOf(x.rep)).toEqual({ [`${SPOOL}/0/pipe`]: 'refused hardlinked' });
    expect(changedSince(before)).toEqual([]);
  });
});

describe('setuid and setgid', () => {
  it('a setgid bit on an entry the fix hands to the service account is refused, even in a root-owned tree', async () => {
    r = install();
    file(r.h('/opt/msys/ecelerity/sbin/helper'), 0, 0, 0o755);
    localRules('/opt/msys/ecelerity/sbin/helper  owner=$user group=other mode=02755  reason="test: $user would own a setgid binary"\n');
    const before = world();
    const x = await fixJson();
    expect(outcomeOf(x.rep)['/opt/msys/ecelerity/sbin/helper']).toBe('refused setid-in-user-tree');
    expect(changedSince(before)).toEqual([]);
  });

  it('a configuration naming another user does not make the service account\'s payload setuid root', async () => {
    r = install();
    // The rules allow setuid on the binary; an upgrade left it the service account's, which wrote a payload …
    localRules('/opt/msys/ecelerity/sbin/ecelerity  owner=root mode=04755  reason="test: setuid allowed"\n');
    file(r.h('/opt/msys/ecelerity/sbin/ecelerity'), ECUSER, ECGROUP, 0o755, '#!/bin/sh\necho payload\n');
    // … and names another account in the configuration, so that its own files no longer look like its own.
    fs.writeFileSync(r.h(CONF), 'Security {\n  user = "other"\n  group = "ecuser"\n}\n');
    const x = await fixJson();
    expect(outcomeOf(x.rep)['/opt/msys/ecelerity/sbin/ecelerity']).toBe('refused setid-in-user-tree');
    expect(perms(r.h('/opt/msys/ecelerity/sbin/ecelerity'))).toEqual({ uid: ECUSER, gid: ECGROUP, mode: 0o755 });
  });

  it('undo never puts back a setuid bit where fix would refuse to grant one', async () => {
    r = install();
    // The service account's own setuid file in the spool: fix strips the bit (no rule allows it) …
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o4750);
    const f = await fixJson();
    expect(outcomeOf(f.rep)).toEqual({ [`${SPOOL}/0/m1`]: 'fixed' });
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o640);
    // … and undo, replaying the journal, would grant it again in a tree the service account writes.
    const before = world();
    const u = await cli('undo', f.rep.journal as string, '--root', r.dir, '--json');
    expect(u.code).toBe(1);
    expect(outcomeOf(JSON.parse(u.out) as Report)).toEqual({ [`${SPOOL}/0/m1`]: 'refused setid-in-user-tree' });
    expect(changedSince(before)).toEqual([]);
  });
});

describe('undo trusts only a journal root alone could have written', () => {
  it.each([
    ['through a symbolic link', (j: string) => fs.symlinkSync(path.basename(j), r.h(`${STATE}/journal/link.jsonl`)), `${STATE}/journal/link.jsonl`, /is a symbolic link/],
    ['by a second hard link', (j: string) => fs.linkSync(r.h(j), r.h(`${STATE}/hard.jsonl`)), `${STATE}/hard.jsonl`, /has 2 hard links/],
    [
      'in a root-owned directory below one the service account writes (it could swap the directory)',
      (j: string) => {
        mkdir(r.h(`${SPOOL}/root-dir`), 0, 0, 0o700);
        fs.copyFileSync(r.h(j), r.h(`${SPOOL}/root-dir/j.jsonl`));
      },
      `${SPOOL}/root-dir/j.jsonl`,
      /\/var\/spool\/ecelerity is owned by uid 500/,
    ],
  ])('refuses a journal reached %s (MP302), changing nothing', async (_n, plant, at, why) => {
    r = install();
    const j = await journalOfOneFix();
    plant(j);
    const before = world();
    const u = await cli('undo', at, '--root', r.dir);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/^error MP302: /);
    expect(u.err).toMatch(why);
    noStack(u.err);
    expect(changedSince(before)).toEqual([]);
    // The same journal by its own name, with one name, is trusted.
    fs.rmSync(r.h(at));
    expect((await cli('undo', j, '--root', r.dir)).code).toBe(0);
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o644);
  });

  it('refuses a FIFO or a device in place of the journal at once (never opened to block)', () => {
    ensureBuilt();
    r = install();
    mkdir(r.h(STATE), 0, 0, 0o700);
    execFileSync('mkfifo', ['-m', '0600', r.h(`${STATE}/fifo.jsonl`)]);
    execFileSync('mknod', ['-m', '0600', r.h(`${STATE}/zero.jsonl`), 'c', '1', '5']);
    for (const j of ['fifo.jsonl', 'zero.jsonl']) {
      const u = cliChild('undo', `${STATE}/${j}`, '--root', r.dir);
      expect([u.code, u.err]).toEqual([2, expect.stringMatching(/^error MP302: journal .* is not a regular file/)]);
    }
  });

  it('does not print the content of a root-only file that is no journal', async () => {
    r = install();
    mkdir(r.h(STATE), 0, 0, 0o700);
    file(r.h(`${STATE}/shadow`), 0, 0, 0o600, 'root:$6$SECRETHASH:19000:0:99999:7:::\n');
    const u = await cli('undo', `${STATE}/shadow`, '--root', r.dir);
    expect(u.code).toBe(2);
    expect(u.err).toContain('not a momentum-perms journal');
    expect(u.err + u.out).not.toContain('SECRETHASH');
  });
});

describe('the journal round-trips any file name', () => {
  it('names with newlines, tabs, quotes, backslashes, separators and non-ASCII are fixed, journaled and undone exactly', async () => {
    r = install();
    const names = ['new\nline', 'tab\there', 'quote"d', 'back\\slash', 'line\u2028sep', 'ünïcødé ✓', ' lead and trail ', '...', 'esc\u001b[31mred', '-rf'];
    for (const n of names) file(r.h(`${SPOOL}/0/${n}`), ECUSER, ECGROUP, 0o644);
    const before = world();
    const f = await fixJson();
    expect(f.code).toBe(0);
    expect(f.rep.outcomes.map((o) => o.path).sort()).toEqual(names.map((n) => `${SPOOL}/0/${n}`).sort());
    const lines = fs.readFileSync(r.h(f.rep.journal as string), 'utf8').split('\n');
    // One line per change plus the header and the final newline: no name split a line.
    expect(lines).toHaveLength(names.length + 2);
    expect(lines.slice(1, -1).map((l) => (JSON.parse(l) as { path: string }).path).sort()).toEqual(names.map((n) => `${SPOOL}/0/${n}`).sort());
    const u = await cli('undo', f.rep.journal as string, '--root', r.dir, '--json');
    expect(u.code).toBe(0);
    expect((JSON.parse(u.out) as Report).summary['fixed']).toBe(names.length);
    expect(changedSince(before)).toEqual([]);
  });

  it('a file name cannot forge lines of the text report, nor send terminal escapes', async () => {
    r = install();
    file(r.h(`${SPOOL}/0/x\nfixed  rules∕4.x.rules:1  1 entry\n    etc∕shadow  0:0 0640 → 500:500 0640\u001b[2J`), 0, 0, 0o644);
    const x = await cli('fix', '--root', r.dir);
    expect(x.code).toBe(0);
    expect(x.out).not.toContain('\u001b');
    expect(x.out.split('\n').filter((l) => l.startsWith('fixed'))).toEqual([expect.stringMatching(/^fixed {2}rules\/4\.x\.rules:\d+ {2}1 entry$/)]);
    expect(x.out).toContain(`${SPOOL}/0/x\\nfixed  rules∕4.x.rules:1  1 entry\\n    etc∕shadow  0:0 0640 → 500:500 0640\\x1b[2J  root:root (0:0) 0644 → ecuser:ecuser (500:500) 0640`);
  });

  it('a configuration value cannot forge lines of the package hook\'s log', async () => {
    r = install();
    const forged = '2026-01-01T00:00:00.000Z momentum-perms[1]: notice: post-upgrade: fixed 0, refused 0, failed 0, reported 0';
    fs.writeFileSync(r.h(CONF), conf() + `include "missing\n${forged}"\n`);
    const x = await cli('hook', 'post-upgrade', '--root', r.dir, '--no-syslog');
    expect(x.code).toBe(0);
    const log = fs.readFileSync(r.h('/var/log/momentum-perms.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.startsWith('2026-01-01'))).toEqual([]);
    expect(log).toContain(`missing\\n${forged}`);
    expect(x.out.split('\n').every((l) => l === '' || l.startsWith('momentum-perms: '))).toBe(true);
  });

  it('a name that is not UTF-8 is left alone without a crash', async () => {
    r = install();
    const host = Buffer.concat([Buffer.from(r.h(`${SPOOL}/0/bad-`)), Buffer.from([0xff, 0xfe, 0x0a])]);
    fs.writeFileSync(host, 'x');
    fs.chmodSync(host, 0o4666);
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const x = await cli('fix', '--root', r.dir, '--json');
    // The walk cannot name it (readdir gives U+FFFD in its place): it is reported as an error finding (so the
    // run says it could not examine everything: 3) and is never touched.
    expect(x.code).toBe(3);
    expect((JSON.parse(x.out) as Report).reported.some((f) => f.check === 'error')).toBe(true);
    expect(outcomeOf(JSON.parse(x.out) as Report)).toEqual({ [`${SPOOL}/0/m1`]: 'fixed' });
    expect(fs.lstatSync(host).mode & 0o7777).toBe(0o4666);
    fs.rmSync(host);
  });
});

describe('state directory, journal and outputs', () => {
  it('refuses a state directory below a directory the service account writes (MP303), writing nothing there', async () => {
    r = install();
    mkdir(r.h(`${SPOOL}/root-dir`), 0, 0, 0o755);
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const before = world();
    for (const args of [['--state-dir', `${SPOOL}/root-dir/state`], ['--journal', `${SPOOL}/root-dir/j.jsonl`]]) {
      const x = await cli('fix', '--root', r.dir, ...args);
      expect(x.code).toBe(2);
      expect(x.err).toMatch(/^error MP303: \/var\/spool\/ecelerity is owned by uid 500/);
      expect(fs.readdirSync(r.h(`${SPOOL}/root-dir`))).toEqual([]);
    }
    expect(changedSince(before)).toEqual([]);
  });

  it('refuses a state directory reached through a symbolic link anywhere on its path', async () => {
    r = install();
    mkdir(r.h('/elsewhere/lib'), 0, 0, 0o755);
    fs.rmdirSync(r.h('/var/lib'));
    fs.symlinkSync(r.h('/elsewhere/lib'), r.h('/var/lib'));
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const x = await cli('fix', '--root', r.dir);
    expect([x.code, x.err]).toEqual([2, expect.stringMatching(/^error MP303: \/var\/lib is a symbolic link/)]);
    expect(fs.readdirSync(r.h('/elsewhere/lib'))).toEqual([]);
    expect(perms(r.h(`${SPOOL}/0/m1`)).mode).toBe(0o644);
  });

  it('--output and snapshot --out replace a planted link, never write through it', async () => {
    r = install();
    mkdir(r.h('/root'), 0, 0, 0o700);
    file(r.h('/outside/target'), 0, 0, 0o644, 'keep\n');
    fs.symlinkSync(r.h('/outside/target'), r.h('/root/metrics.prom'));
    fs.symlinkSync(r.h('/outside/target'), r.h('/root/x.snap'));
    await cli('audit', '--root', r.dir, '--format', 'prometheus', '--output', r.h('/root/metrics.prom'));
    await cli('snapshot', '--root', r.dir, '--out', '/root/x.snap');
    expect(fs.readFileSync(r.h('/outside/target'), 'utf8')).toBe('keep\n');
    expect(fs.lstatSync(r.h('/root/metrics.prom')).isFile()).toBe(true);
    expect(fs.lstatSync(r.h('/root/x.snap')).isFile()).toBe(true);
  });
});

describe('the lock', () => {
  it('a FIFO or a directory in place of the lock stops the run with MP303, without hanging or a stack trace', () => {
    ensureBuilt();
    r = install();
    mkdir(r.h(STATE), 0, 0, 0o700);
    execFileSync('mkfifo', ['-m', '0600', r.h(`${STATE}/lock`)]);
    const a = cliChild('fix', '--root', r.dir);
    expect([a.code, a.err]).toEqual([2, expect.stringMatching(/^error MP303: lock .* is not a regular file/)]);
    fs.rmSync(r.h(`${STATE}/lock`));
    mkdir(r.h(`${STATE}/lock`), 0, 0, 0o700);
    const b = cliChild('fix', '--root', r.dir);
    expect([b.code, b.err]).toEqual([2, expect.stringMatching(/^error MP303: lock .* is not a regular file/)]);
    noStack(b.err);
  });

  it.each(['0 123', '99999999999 5', '-1'])('an old lock naming no possible process (%j) is stale, not held forever', (text) => {
    r = install();
    const st = openState(makeRoot(r.dir), STATE);
    try {
      fs.writeFileSync(r.h(`${STATE}/lock`), text + '\n', { mode: 0o600 });
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(r.h(`${STATE}/lock`), old, old);
      acquireLock(st.state).release();
      expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(false);
    } finally {
      st.close();
    }
  });

  it('the service account cannot plant or remove the lock: the state directory is root\'s alone', () => {
    r = install();
    openState(makeRoot(r.dir), STATE).close();
    const p = spawnSync('setpriv', ['--reuid=500', '--regid=500', '--clear-groups', 'sh', '-c', `echo 1 > '${r.h(`${STATE}/lock`)}'`]);
    expect(p.status).not.toBe(0);
    expect(fs.existsSync(r.h(`${STATE}/lock`))).toBe(false);
  });
});

describe('rules files reached through what the service account controls', () => {
  it('refuses --local-rules in a root-owned directory below the spool (MP203), changing nothing', async () => {
    r = install();
    mkdir(r.h(`${SPOOL}/rules`), 0, 0, 0o755);
    file(r.h(`${SPOOL}/rules/local.rules`), 0, 0, 0o644, '/etc/**  owner=$user  reason="x"\n');
    fs.chmodSync(r.h(`${SPOOL}/0/m1`), 0o644);
    const before = world();
    const x = await cli('fix', '--root', r.dir, '--local-rules', `${SPOOL}/rules/local.rules`);
    expect(x.code).toBe(2);
    expect(x.err).toMatch(/^error MP203: rules file \/var\/spool\/ecelerity\/rules\/local.rules is in directory .*\/var\/spool\/ecelerity which is owned by uid 500/);
    expect(changedSince(before)).toEqual([]);
  });

  it('refuses a root-owned local.rules that is a link into such a directory', async () => {
    r = install();
    mkdir(r.h(`${SPOOL}/rules`), 0, 0, 0o755);
    file(r.h(`${SPOOL}/rules/local.rules`), 0, 0, 0o644, '# nothing\n');
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    fs.symlinkSync(`../..${SPOOL}/rules/local.rules`, r.h('/etc/momentum-perms/local.rules'));
    const x = await cli('fix', '--root', r.dir);
    expect([x.code, x.err]).toEqual([2, expect.stringMatching(/^error MP203: .*owned by uid 500/)]);
  });
});

describe('rules files the service account cannot extend', () => {
  it('a rules file cannot include another file (MP201), so a file $user writes never becomes rules', async () => {
    r = install();
    file(r.h('/opt/msys/ecelerity/etc/conf/default/x.rules'), ECUSER, ECGROUP, 0o644, '/etc/**  owner=$user  reason="x"\n');
    localRules('include "/opt/msys/ecelerity/etc/conf/default/x.rules"\n');
    const before = world();
    const x = await cli('fix', '--root', r.dir);
    expect([x.code, x.err]).toEqual([2, expect.stringMatching(/^error MP201: unknown directive "include"/)]);
    expect(changedSince(before)).toEqual([]);
  });

  it('a FIFO in place of a rules file stops the run at once (MP200), before anything is read from it', () => {
    ensureBuilt();
    r = install();
    mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
    execFileSync('mkfifo', ['-m', '0644', r.h('/etc/momentum-perms/local.rules')]);
    const x = cliChild('fix', '--root', r.dir);
    expect([x.code, x.err]).toEqual([2, expect.stringMatching(/^error MP200: cannot read rules file .*: not a regular file/)]);
  });
});

describe('a directory swapped for a FIFO between the walk and the fix', () => {
  it('is refused as no longer a directory, without blocking, and nothing else changes', () => {
    r = install();
    fs.chmodSync(r.h(`${SPOOL}/1/m0`), 0o644);
    const outcomes: Outcome[] = [];
    let swapped = false;
    const before = world();
    // The audit's verdict for 1/m0 is made, then, before the fix reaches it, 1 becomes a FIFO.
    fix({
      root: r.dir,
      sink: { outcome: (x) => outcomes.push(x) },
      // Called with each verdict, before the fix plans it.
      onEntry: (p) => {
        if (!swapped && p === `${SPOOL}/1/m0`) {
          fs.renameSync(r.h(`${SPOOL}/1`), r.h(`${SPOOL}/1.old`));
          execFileSync('mkfifo', ['-m', '0750', r.h(`${SPOOL}/1`)]);
          fs.chownSync(r.h(`${SPOOL}/1`), ECUSER, ECGROUP);
          swapped = true;
        }
      },
    });
    expect(swapped).toBe(true);
    expect(outcomes.map((o) => [o.path, o.outcome, o.reason])).toEqual([[`${SPOOL}/1/m0`, 'refused', 'changed-during-fix']]);
    expect(outcomes[0]?.message).toContain('no longer a directory');
    expect(changedSince(before).filter((p) => !p.startsWith(`${SPOOL}/1`))).toEqual([]);
    expect(perms(r.h(`${SPOOL}/1.old/m0`)).mode).toBe(0o644);
  });
});

describe('configuration written by the service account', () => {
  it.each([
    ['../../etc'],
    ['/var/spool/ecelerity/../../../etc'],
    ['/'],
    ['/opt'],
    ['/opt/msys/ecelerity/bin'],
    ['/outside'],
    ['/var/spool/ecelerity/../../../opt/msys/ecelerity/sbin'],
  ])('spoolbase = %j changes nothing outside the intended entries, nor anything root owns', async (spoolbase) => {
    r = install({ spoolbase });
    const before = world();
    const x = await fixJson();
    expect(x.code).toBeLessThanOrEqual(1);
    expect(x.rep.outcomes.filter((o) => o.outcome === 'fixed')).toEqual([]);
    expect(changedSince(before)).toEqual([]);
  });

  it('pidfile, TLS key, DKIM key and logger paths aimed at root-only files change nothing', async () => {
    r = install();
    file(r.h('/etc/shadow'), 0, 0, 0o600, 'root:SECRETHASH\n');
    fs.appendFileSync(
      r.h(CONF),
      'pidfile = "/etc/shadow"\nTLS_Key = "/outside/secret"\nec_logger "x" { mainlog = "jlog:///etc/ecx=>sub" }\n' +
        'opendkim "o" { key = "/etc/%{d}/%{s}" }\nesmtp_listener { listen ":25" { tls_key = "/opt/msys/ecelerity/sbin/ecelerity" } }\n',
    );
    const before = world();
    const x = await fixJson();
    expect(x.code).toBeLessThanOrEqual(1);
    expect(x.rep.outcomes.filter((o) => o.outcome === 'fixed')).toEqual([]);
    expect(changedSince(before)).toEqual([]);
    expect(x.err + JSON.stringify(x.rep)).not.toContain('SECRETHASH');
  });

  it('an include of a FIFO or a device node stops the run at once (status 2, no stack trace)', () => {
    ensureBuilt();
    r = install();
    execFileSync('mkfifo', ['-m', '0644', r.h('/opt/msys/ecelerity/etc/conf/default/fifo.conf')]);
    execFileSync('mknod', ['-m', '0644', r.h('/opt/msys/ecelerity/etc/conf/default/zero.conf'), 'c', '1', '5']);
    for (const inc of ['fifo.conf', 'zero.conf']) {
      fs.writeFileSync(r.h(CONF), conf() + `include "${inc}"\n`);
      const x = cliChild('fix', '--root', r.dir);
      expect([x.code, x.err]).toEqual([2, expect.stringContaining('not a regular file')]);
      noStack(x.err);
    }
  });

  it('an include of a root-only file does not carry its lines into the output', async () => {
    r = install();
    file(r.h('/etc/shadow'), 0, 0, 0o600, 'root:SECRETHASH:19000::::::\n');
    fs.writeFileSync(r.h(CONF), conf() + 'include "/etc/shadow"\n');
    const x = await cli('fix', '--root', r.dir);
    expect(x.code).toBe(2);
    expect(x.err + x.out).not.toContain('SECRETHASH');
  });
});

describe('failures are reported, never a stack trace', () => {
  it('a full filesystem under the journal stops the run before any unjournaled change (MP305)', async () => {
    r = install({ dirs: 2, files: 60 });
    mkdir(r.h(STATE), 0, 0, 0o700);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k,mode=0700', 'none', r.h(STATE)]);
    try {
      fs.writeFileSync(r.h(`${STATE}/filler`), Buffer.alloc(4096));
      for (let i = 0; i < 60; i++) fs.chmodSync(r.h(`${SPOOL}/0/m${i}`), 0o644);
      const before = world();
      const x = await cli('fix', '--root', r.dir);
      expect(x.code).toBe(3); // could not finish: a rerun once there is space completes it
      expect(x.err).toMatch(/^error MP305: cannot write journal .*ENOSPC/);
      noStack(x.err);
      // Whatever changed has its line in the journal.
      const done = changedSince(before);
      const text = journals(r).map((j) => fs.readFileSync(j, 'utf8')).join('');
      for (const p of done) expect(text).toContain(JSON.stringify(p));
    } finally {
      execFileSync('umount', [r.h(STATE)]);
    }
  });
});
