/** The built CLI, spawned as a user would run it: exit statuses and what reaches stdout and stderr. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONF_PATH, asRoot, type FakeRoot } from './fixture.js';
import { tempDir } from '../support/root.js';
import { compliantRoot, e2eRoot, pairs, type E2eRoot } from './e2e-fixture.js';

const bin = fileURLToPath(new URL('../../bin/momentum-perms.js', import.meta.url));

function cli(args: string[], opts: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('momentum-perms example', () => {
  it('builds the example, audits it, prints the report and removes it', () => {
    const r = cli(['example']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Planted drift:');
    expect(r.stdout).toMatch(/^Next: momentum-perms fix --dry-run --root \S+/m);
    const dir = /in (\/\S+momentum-perms-example-\S+)/.exec(r.stdout)?.[1];
    expect(dir).toBeDefined();
    expect(fs.existsSync(dir!)).toBe(false);
  });

  it('--root DIR builds the example in a new or empty DIR and keeps it; a non-empty DIR is refused', () => {
    const dir = fs.realpathSync(tempDir('example-root').dir);
    try {
      const r = cli(['example', '--root', dir]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`The example install is kept in ${dir}`);
      expect(fs.existsSync(path.join(dir, 'opt/msys/ecelerity/etc/conf/default/ecelerity.conf'))).toBe(true);
      const again = cli(['example', '--root', dir]);
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/^error MP300: --root .* is not empty/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--json prints the audit as one JSON document; --keep leaves the install and says what to try', () => {
    const j = cli(['example', '--json']);
    expect(j.status).toBe(0);
    const doc = JSON.parse(j.stdout) as { findings: { check: string }[] };
    expect(new Set(doc.findings.map((f) => f.check))).toEqual(new Set(['owner', 'group', 'mode', 'world-writable']));
    const k = cli(['example', '--keep']);
    const dir = /kept in (\S+)\. Try:/.exec(k.stdout)?.[1];
    expect(dir).toBeDefined();
    try {
      expect(fs.existsSync(path.join(dir!, CONF_PATH))).toBe(true);
      expect(k.stdout).toContain(`momentum-perms fix --dry-run --root ${dir!}`);
    } finally {
      fs.rmSync(dir!, { recursive: true, force: true });
    }
  });

  it.runIf(asRoot)('works for a user who is not root: that user plays ecuser', () => {
    const r = cli(['example'], { uid: 65534, gid: 65534 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('not root');
    expect(r.stdout).toContain('/var/log/ecelerity/mainlog.ec');
  });
});

describe.runIf(asRoot)('momentum-perms audit exit statuses', () => {
  let bad: E2eRoot;
  let good: FakeRoot;
  beforeAll(() => {
    bad = e2eRoot();
    good = compliantRoot();
  });
  afterAll(() => {
    bad.cleanup();
    good.cleanup();
  });

  it('0 and no output at all under --quiet when everything complies', () => {
    const r = cli(['audit', '--root', good.dir, '--quiet']);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    const loud = cli(['audit', '--root', good.dir]);
    expect(loud.status).toBe(0);
    expect(loud.stdout).toContain('No drift');
  });

  it('3 when a path could not be examined, with the findings as NDJSON, one per line, then the summary', () => {
    const r = cli(['audit', '--root', bad.dir, '--format', 'ndjson']);
    expect(r.status).toBe(3);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { check: string; path: string; summary?: unknown });
    expect(pairs(lines.slice(0, -1))).toEqual(bad.expected);
    expect(lines.at(-1)).toEqual({ summary: expect.objectContaining({ findings: bad.expected.length, errors: 1 }) as unknown });
  });

  it('1 on findings, with --output FILE written whole and nothing on stdout', () => {
    const out = path.join(good.dir, 'report.json');
    fs.chmodSync(good.host('/var/spool/ecelerity/A/1.M'), 0o666);
    try {
      const r = cli(['audit', '--root', good.dir, '--json', '--output', out, '--quiet']);
      expect(r).toEqual({ status: 1, stdout: '', stderr: '' });
      const doc = JSON.parse(fs.readFileSync(out, 'utf8')) as { findings: { check: string; path: string }[] };
      expect(pairs(doc.findings)).toEqual(['mode /var/spool/ecelerity/A/1.M', 'world-writable /var/spool/ecelerity/A/1.M']);
    } finally {
      fs.chmodSync(good.host('/var/spool/ecelerity/A/1.M'), 0o640);
      fs.rmSync(out, { force: true });
    }
  });

  it('--since marks findings against a snapshot taken before the change, and says what changed', () => {
    const snap = cli(['snapshot', '--root', good.dir, '--out', '/before.snap']);
    expect(snap.status).toBe(0);
    fs.chmodSync(good.host('/var/log/ecelerity/mainlog.ec'), 0o666);
    try {
      const nd = cli(['audit', '--root', good.dir, '--since', '/before.snap', '--format', 'ndjson']);
      expect(nd.status).toBe(1);
      const lines = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { check?: string; since?: string });
      expect(lines.slice(0, -1).map((f) => [f.check, f.since]).sort()).toEqual([
        ['mode', 'changed-by-upgrade'],
        ['world-writable', 'changed-by-upgrade'],
      ]);
      expect(nd.stderr).toContain('Since the snapshot of');
      const text = cli(['audit', '--root', good.dir, '--since', '/before.snap']);
      expect(text.stdout).toContain('2 findings changed by the upgrade, 0 preexisting, 0 new');
      expect(text.stdout).toContain(`Next: momentum-perms fix --dry-run --since /before.snap --root ${good.dir}`);
    } finally {
      fs.chmodSync(good.host('/var/log/ecelerity/mainlog.ec'), 0o640);
      fs.rmSync(good.host('/before.snap'), { force: true });
    }
  });

  it('2 for a configuration error, with the code frame and no stack trace', () => {
    const conf = good.host(CONF_PATH);
    const before = fs.readFileSync(conf, 'utf8');
    fs.writeFileSync(conf, 'Security {\n  user = = ecuser\n}\n');
    try {
      const r = cli(['audit', '--root', good.dir]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error MP1\d\d: /);
      expect(r.stderr).toContain(`--> ${CONF_PATH}:2:`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.writeFileSync(conf, before);
    }
  });

  it('--format prometheus --output: metrics on success, and on a configuration error a file that says so', () => {
    const prom = path.join(good.dir, 'momentum.prom');
    const ok = cli(['audit', '--root', good.dir, '--format', 'prometheus', '--output', prom]);
    expect(ok).toEqual({ status: 0, stdout: '', stderr: '' });
    const first = fs.readFileSync(prom, 'utf8');
    expect(first).toMatch(/^momentum_perms_last_run_success 1$/m);
    const success = /^momentum_perms_last_success_timestamp_seconds (\S+)$/m.exec(first)?.[1];
    expect(success).toBeDefined();
    const conf = good.host(CONF_PATH);
    const before = fs.readFileSync(conf, 'utf8');
    fs.writeFileSync(conf, 'Security {\n');
    try {
      const bad = cli(['audit', '--root', good.dir, '--format', 'prometheus', '--output', prom]);
      expect(bad.status).toBe(2);
      const after = fs.readFileSync(prom, 'utf8');
      expect(after).toMatch(/^momentum_perms_last_run_exit_status 2$/m);
      expect(after).toMatch(/^momentum_perms_last_run_success 0$/m);
      expect(after).toContain(`momentum_perms_last_success_timestamp_seconds ${success!}`);
    } finally {
      fs.writeFileSync(conf, before);
      fs.rmSync(prom, { force: true });
    }
  });

  it('2 for usage errors: an unknown format, --json with another format, a missing --rules file', () => {
    expect(cli(['audit', '--root', good.dir, '--format', 'xml']).status).toBe(2);
    const both = cli(['audit', '--root', good.dir, '--json', '--format', 'ndjson']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('MP300');
    const rules = cli(['audit', '--root', good.dir, '--rules', path.join(good.dir, 'nope.rules')]);
    expect(rules.status).toBe(2);
    expect(rules.stderr).toContain('MP200');
  });
});
