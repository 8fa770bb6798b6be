/**
 * A small Momentum install in a temporary root, compliant with the shipped 4.x rules, for the fixer's
 * end-to-end suites: each test adds its own drift or attack to it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli.js';
import { memoryIo } from '../../src/commands/io.js';
import { ECGROUP, ECUSER, file, mkdir, tempRoot, type TempRoot } from './helpers.js';

export const CONF = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';
export const SPOOL = '/var/spool/ecelerity';
export const STATE = '/var/lib/momentum-perms';

export function conf(spoolbase = SPOOL): string {
  return `Security {\n  user = "ecuser"\n  group = "ecuser"\n}\nspoolbase = "${spoolbase}"\n`;
}

/** A compliant install: opt tree root's, etc/conf ecuser's, a spool of `dirs` × `files` at 0640. */
export function install(o: { spoolbase?: string; dirs?: number; files?: number; fileMode?: number } = {}): TempRoot {
  const r = tempRoot();
  fs.chmodSync(r.dir, 0o755);
  for (const d of ['/opt', '/opt/msys', '/opt/msys/ecelerity', '/opt/msys/ecelerity/etc', '/opt/msys/ecelerity/bin', '/opt/msys/ecelerity/sbin', '/var', '/var/spool', '/var/log', '/var/lib']) {
    mkdir(r.h(d), 0, 0, 0o755);
  }
  for (const d of ['/opt/msys/ecelerity/etc/conf', '/opt/msys/ecelerity/etc/conf/default']) mkdir(r.h(d), ECUSER, ECGROUP, 0o755);
  file(r.h(CONF), ECUSER, ECGROUP, 0o644, conf(o.spoolbase));
  file(r.h('/opt/msys/ecelerity/bin/ec_ctl'), 0, 0, 0o755);
  file(r.h('/opt/msys/ecelerity/sbin/ecelerity'), 0, 0, 0o755);
  mkdir(r.h('/var/log/ecelerity'), ECUSER, ECGROUP, 0o755);
  file(r.h('/var/log/ecelerity/mainlog.ec'), ECUSER, ECGROUP, 0o640);
  mkdir(r.h(SPOOL), ECUSER, ECGROUP, 0o750);
  const dirs = o.dirs ?? 2;
  const files = o.files ?? 3;
  for (let d = 0; d < dirs; d++) {
    const dir = `${SPOOL}/${d.toString(16).toUpperCase()}`;
    mkdir(r.h(dir), ECUSER, ECGROUP, 0o750);
    for (let f = 0; f < files; f++) file(r.h(`${dir}/m${f}`), ECUSER, ECGROUP, o.fileMode ?? 0o640, '');
  }
  mkdir(r.h('/outside'), 0, 0, 0o755);
  file(r.h('/outside/secret'), 0, 0, 0o600, 'root:$6$secret\n');
  return r;
}

/** Run the CLI in-process; returns status, stdout and stderr. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(['node', 'momentum-perms', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Path of the built CLI (npm test builds before running the suites). */
export const BIN = path.resolve(import.meta.dirname, '../../bin/momentum-perms.js');

/** Run the built CLI in a child process. */
export function cliProcess(...args: string[]): { code: number | null; out: string; err: string } {
  const p = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: p.status, out: p.stdout, err: p.stderr };
}

/** The journals written so far, as host paths, oldest first. */
export function journals(r: TempRoot): string[] {
  const d = r.h(`${STATE}/journal`);
  return fs.existsSync(d) ? fs.readdirSync(d).sort().map((n) => path.join(d, n)) : [];
}

/** Momentum path of a host path under the root. */
export function momentum(r: TempRoot, host: string): string {
  return host.slice(r.dir.length);
}
