/**
 * A report that cannot be written (a full disk under `> report.txt`, here /dev/full) is said on stderr and the
 * status is 3, never the status of a report that was read; the package hook's status never answers for its
 * output (a transaction must not fail for it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { asRoot } from '../support/root.js';
import { BIN, install } from '../fix/install.js';
import type { TempRoot } from '../fix/helpers.js';

const roots: TempRoot[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) r.cleanup();
});

/** Run the CLI with standard output (and with `both`, standard error) on /dev/full. */
function toFull(...args: string[]): { status: number | null; stderr: string } {
  const both = args[0] === '--both';
  const full = fs.openSync('/dev/full', 'w');
  try {
    const p = spawnSync(process.execPath, [BIN, ...(both ? args.slice(1) : args)], { stdio: ['ignore', full, both ? full : 'pipe'], encoding: 'utf8' });
    return { status: p.status, stderr: p.stderr ?? '' };
  } finally {
    fs.closeSync(full);
  }
}

describe('standard output that cannot be written', () => {
  it('--version: status 3, said on stderr', () => {
    const p = toFull('--version');
    expect(p.status).toBe(3);
    expect(p.stderr).toBe('momentum-perms: cannot write standard output: ENOSPC\n');
  });

  it('standard error on the same full disk: a configuration error keeps its 2', () => {
    const p = toFull('--both', 'audit', '--root', '/nonexistent-root-dir');
    expect(p.status).toBe(2);
  });

  it.runIf(asRoot)('an audit with drift: 3, not the 1 of a report that was read', () => {
    const r = install({ fileMode: 0o644 });
    roots.push(r);
    expect(spawnSync(process.execPath, [BIN, 'audit', '--root', r.dir], { stdio: 'ignore' }).status).toBe(1);
    const p = toFull('audit', '--root', r.dir);
    expect(p.status).toBe(3);
    expect(p.stderr).toMatch(/cannot write standard output: ENOSPC/);
  });

  it.runIf(asRoot)('the package hook: its status is its job\'s, whatever its output met', () => {
    const r = install();
    roots.push(r);
    const p = toFull('hook', 'pre-upgrade', '--root', r.dir, '--no-syslog');
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/cannot write standard output/);
    // Standard error on the full disk too: still its job's status, never the 1 of an unhandled write error.
    expect(toFull('--both', 'hook', 'pre-upgrade', '--root', r.dir, '--no-syslog').status).toBe(0);
    expect(fs.readdirSync(r.h('/var/lib/momentum-perms')).some((n) => n.includes('snapshot'))).toBe(true);
  });
});
