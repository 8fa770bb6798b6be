/**
 * The node_exporter textfile output, read back by two real parsers of the exposition format: Prometheus'
 * `promtool check metrics` and Debian's python3-prometheus-client (`npm test` installs both when missing).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/types.js';
import { MAX_PREVIOUS_METRICS, prometheusReporter, readLastSuccess, writePrometheusFailure } from '../../src/report/prometheus.js';
import { Chalk } from 'chalk';
import type { Finding } from '../../src/types.js';
import { fakeBound } from './fakes.js';
import { tempDir } from '../support/root.js';

/** Check with promtool, parse with prometheus_client and return {family: {type, help, samples: [{labels, value}]}}. */
function parse(text: string): Record<string, { type: string; help: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect([lint.error, lint.status, lint.stdout + lint.stderr]).toEqual([undefined, 0, '']);
  const py = `
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    out[fam.name] = {"type": fam.type, "help": fam.documentation,
                     "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in fam.samples]}
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { input: text, encoding: 'utf8' }));
}

const f = (check: Finding['check'], rule: string | null, since?: Finding['since']): Finding => ({
  path: '/p',
  check,
  expected: null,
  actual: null,
  rule,
  message: 'm',
  ...(since ? { since } : {}),
});

function result(summary: AuditResult['summary'], durationMs = 1234): AuditResult {
  return { root: '/', bound: fakeBound({ trees: [] }), summary, durationMs };
}

let dir: string;
beforeEach(() => {
  dir = tempDir('prom').dir;
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function render(findings: Finding[], summary: AuditResult['summary'], output?: string, nowMs = 1_800_000_000_500): string {
  let text = '';
  const r = prometheusReporter({
    sink: { write: (t) => void (text += t) },
    color: new Chalk({ level: 0 }),
    quiet: true,
    rerun: [],
    now: () => nowMs,
    ...(output ? { output } : {}),
  });
  r.start({ root: '/', configFile: '/c', user: { name: 'ecuser', id: 500 }, group: { name: 'ecuser', id: 500 } });
  for (const x of findings) r.finding(x);
  r.end(result(summary));
  return text;
}

const value = (m: ReturnType<typeof parse>, fam: string, labels: Record<string, string> = {}): number | undefined =>
  m[fam]?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe('prometheus exposition', () => {
  it('counts findings by check and by rule, with every check present, and parses', () => {
    const weird = 'C:\\rules "odd"\nname:3';
    const text = render(
      [f('owner', 'rules/4.x.rules:12', 'changed-by-upgrade'), f('owner', 'rules/4.x.rules:12', 'new'), f('mode', weird), f('error', null)],
      { examined: 12345, findings: 4, errors: 1, vanished: 7 },
    );
    const m = parse(text);
    expect(value(m, 'momentum_perms_findings', { check: 'owner' })).toBe(2);
    expect(value(m, 'momentum_perms_findings', { check: 'mode' })).toBe(1);
    expect(value(m, 'momentum_perms_findings', { check: 'setid' })).toBe(0);
    expect(m['momentum_perms_findings']?.samples).toHaveLength(12);
    expect(value(m, 'momentum_perms_rule_findings', { rule: 'rules/4.x.rules:12' })).toBe(2);
    expect(value(m, 'momentum_perms_rule_findings', { rule: weird })).toBe(1);
    expect(value(m, 'momentum_perms_rule_findings', { rule: 'none' })).toBe(1);
    expect(value(m, 'momentum_perms_since_findings', { since: 'changed-by-upgrade' })).toBe(1);
    expect(value(m, 'momentum_perms_entries_examined')).toBe(12345);
    expect(value(m, 'momentum_perms_errors')).toBe(1);
    expect(value(m, 'momentum_perms_vanished')).toBe(7);
    expect(value(m, 'momentum_perms_audit_duration_seconds')).toBeCloseTo(1.234, 6);
    expect(value(m, 'momentum_perms_last_run_timestamp_seconds')).toBeCloseTo(1_800_000_000.5, 3);
    expect(value(m, 'momentum_perms_last_run_exit_status')).toBe(3);
    for (const fam of Object.values(m)) {
      expect(fam.type).toBe('gauge');
      expect(fam.help.length).toBeGreaterThan(10);
    }
  });

  it('a clean run is a success and moves the last-success timestamp', () => {
    const m = parse(render([], { examined: 10, findings: 0, errors: 0, vanished: 0 }));
    expect(value(m, 'momentum_perms_last_run_success')).toBe(1);
    expect(value(m, 'momentum_perms_last_success_timestamp_seconds')).toBeCloseTo(1_800_000_000.5, 3);
    expect(m['momentum_perms_since_findings']).toBeUndefined();
  });

  it('a run with errors carries the previous last-success timestamp over', () => {
    const out = dir + '/momentum.prom';
    fs.writeFileSync(out, render([], { examined: 1, findings: 0, errors: 0, vanished: 0 }, undefined, 1_700_000_000_000));
    const m = parse(render([f('error', null)], { examined: 1, findings: 1, errors: 1, vanished: 0 }, out));
    expect(value(m, 'momentum_perms_last_run_success')).toBe(0);
    expect(value(m, 'momentum_perms_last_success_timestamp_seconds')).toBe(1_700_000_000);
  });

  it('a failed run (configuration error) replaces the file atomically, keeping the last success', () => {
    const out = dir + '/momentum.prom';
    fs.writeFileSync(out, render([], { examined: 1, findings: 0, errors: 0, vanished: 0 }, undefined, 1_700_000_000_000));
    writePrometheusFailure(out, 2, 1_700_003_600_000);
    const m = parse(fs.readFileSync(out, 'utf8'));
    expect(value(m, 'momentum_perms_last_run_success')).toBe(0);
    expect(value(m, 'momentum_perms_last_run_exit_status')).toBe(2);
    expect(value(m, 'momentum_perms_last_success_timestamp_seconds')).toBe(1_700_000_000);
    expect(value(m, 'momentum_perms_last_run_timestamp_seconds')).toBe(1_700_003_600);
    expect(m['momentum_perms_findings']).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual(['momentum.prom']);
    // node_exporter runs as its own user: the file must be readable by it.
    expect(fs.statSync(out).mode & 0o777).toBe(0o644);
  });

  it('without a previous file, a failure has no last-success line at all', () => {
    const out = dir + '/fresh.prom';
    writePrometheusFailure(out, 2);
    const m = parse(fs.readFileSync(out, 'utf8'));
    expect(m['momentum_perms_last_success_timestamp_seconds']).toBeUndefined();
    expect(readLastSuccess(out)).toBeNull();
  });
});

describe('the previous metrics file, planted by the account that owns the collector directory', () => {
  // As on Debian 12, where /var/lib/prometheus is prometheus's: that account (uid 501 here) can replace
  // node-exporter/ and put anything at the metrics file's name.
  const OTHER = 501;
  const good = (t: number): string => `momentum_perms_last_success_timestamp_seconds ${t}\n`;

  it('a FIFO is not waited on: a writer showing up later cannot hang the run or forge the timestamp', () => {
    const out = dir + '/momentum.prom';
    execFileSync('mkfifo', ['-m', '0666', out]);
    // The other account opens the FIFO for writing a moment later and forges a recent success. Reading the
    // FIFO blocks until it does, then returns the forgery; not reading it returns at once.
    const py = 'import os,sys,time\ntime.sleep(0.5)\nfd=os.open(sys.argv[1],os.O_WRONLY)\nos.write(fd,sys.argv[2].encode())\nos.close(fd)';
    const writer = spawn('/usr/bin/setpriv', ['--reuid', String(OTHER), '--regid', String(OTHER), '--clear-groups', '/usr/bin/python3', '-c', py, out, good(1_999_999_999)], { stdio: 'ignore' });
    try {
      expect(readLastSuccess(out)).toBeNull();
      writePrometheusFailure(out, 2, 1_800_000_000_000);
      expect(fs.lstatSync(out).isFile()).toBe(true);
      expect(parse(fs.readFileSync(out, 'utf8'))['momentum_perms_last_success_timestamp_seconds']).toBeUndefined();
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('a symbolic link is not followed (a link to /proc/kmsg blocked every failing run)', () => {
    const real = dir + '/elsewhere.prom';
    fs.writeFileSync(real, good(1_700_000_000));
    fs.symlinkSync(real, dir + '/momentum.prom');
    expect(readLastSuccess(dir + '/momentum.prom')).toBeNull();
    fs.symlinkSync('/proc/kmsg', dir + '/kmsg.prom');
    expect(readLastSuccess(dir + '/kmsg.prom')).toBeNull();
  });

  it('a file another account owns, or with a second name, is not believed', () => {
    const out = dir + '/momentum.prom';
    fs.writeFileSync(out, good(1_700_000_000));
    expect(readLastSuccess(out)).toBe(1_700_000_000);
    fs.chownSync(out, OTHER, OTHER);
    expect(readLastSuccess(out)).toBeNull();
    fs.chownSync(out, 0, 0);
    fs.linkSync(out, dir + '/second');
    expect(readLastSuccess(out)).toBeNull();
  });

  it('a file larger than any metrics file is not read', () => {
    const out = dir + '/momentum.prom';
    fs.writeFileSync(out, good(1_700_000_000) + '#'.repeat(MAX_PREVIOUS_METRICS));
    expect(readLastSuccess(out)).toBeNull();
  });
});
