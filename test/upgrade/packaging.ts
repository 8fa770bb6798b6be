/**
 * Helpers for the tests that run the packaging/ snippets for real: the built CLI behind a `momentum-perms`
 * on PATH (as an installed package would put it), a fake `logger` that records what goes to syslog, and
 * throw-away roots with their own passwd, group and dpkg database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/root.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO, 'bin/momentum-perms.js');

/** The text of a packaging/ file, exactly as shipped and documented. */
export function packagingFile(rel: string): string {
  return fs.readFileSync(path.join(REPO, 'packaging', rel), 'utf8');
}

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The CLI the bin runs, dist/bundle/cli.js, bundled from tsc's output after src/ last changed. */
function fresh(): boolean {
  const src = newest(path.join(REPO, 'src'));
  return ['dist/cli.js', 'dist/bundle/cli.js'].every((f) => {
    const p = path.join(REPO, f);
    return fs.existsSync(p) && fs.statSync(p).mtimeMs >= src;
  });
}

/**
 * `npm test` builds before the tests; a bare `vitest run` may find dist/ missing or older than src/. Test
 * files run in parallel workers: one builds under a lock while the others wait, so that no CLI runs from a
 * half-written dist/.
 */
export function ensureBuilt(): void {
  const lock = path.join(os.tmpdir(), 'momentum-perms-test-build.lock');
  const deadline = Date.now() + 300_000;
  while (!fresh()) {
    try {
      fs.mkdirSync(lock);
    } catch {
      // A lock left by a killed worker is old: take it over.
      if (Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      continue;
    }
    try {
      if (!fresh()) {
        execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.build.json')], { stdio: 'inherit' });
        execFileSync(process.execPath, [path.join(REPO, 'bundle/build.mjs')], { stdio: 'inherit' });
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
}

export interface Workspace {
  dir: string;
  /** Directory put first on PATH: `momentum-perms` (the built CLI) and `logger` (records to syslogFile). */
  bin: string;
  syslogFile: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** A temporary directory with the CLI and a recording logger on PATH. `loggerExit` makes logger fail. */
export function workspace(prefix: string, loggerExit = 0): Workspace {
  const t = tempDir(prefix.replace(/^mp-|-$/g, ''), 0o755);
  const dir = t.dir;
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const syslogFile = path.join(dir, 'syslog.txt');
  fs.writeFileSync(path.join(bin, 'momentum-perms'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'logger'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${syslogFile}'\nexit ${loggerExit}\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };
  delete env['DPKG_ROOT'];
  return { dir, bin, syslogFile, env, cleanup: t.cleanup };
}

/** Create a file (parents root 0755) with exact owner and mode. */
export function put(root: string, p: string, uid: number, gid: number, mode: number, text = ''): void {
  const h = path.join(root, p);
  fs.mkdirSync(path.dirname(h), { recursive: true, mode: 0o755 });
  fs.writeFileSync(h, text);
  fs.chownSync(h, uid, gid);
  fs.chmodSync(h, mode);
}

export function mkdir(root: string, p: string, uid: number, gid: number, mode: number): void {
  const h = path.join(root, p);
  fs.mkdirSync(h, { recursive: true, mode: 0o755 });
  fs.chownSync(h, uid, gid);
  fs.chmodSync(h, mode);
}

/** `uid:gid mode` of a Momentum path under root, as the assertions write it. */
export function st(root: string, p: string): string {
  const s = fs.lstatSync(path.join(root, p));
  return `${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\necuser:x:500:500:Momentum:/opt/msys/ecelerity:/bin/false\n';
export const GROUP = 'root:x:0:\necuser:x:500:\nmonitor:x:600:\n';
export const CONF = 'Security {\n  user = "ecuser"\n  group = "ecuser"\n}\n';

/** A root with a base system: passwd, group, /var/log, and an empty dpkg database. */
export function baseRoot(dir: string): string {
  const root = path.join(dir, 'root');
  fs.mkdirSync(root, { mode: 0o755 });
  put(root, '/etc/passwd', 0, 0, 0o644, PASSWD);
  put(root, '/etc/group', 0, 0, 0o644, GROUP);
  mkdir(root, '/var/log', 0, 0, 0o755);
  mkdir(root, '/var/lib/dpkg/info', 0, 0, 0o755);
  mkdir(root, '/var/lib/dpkg/updates', 0, 0, 0o755);
  put(root, '/var/lib/dpkg/status', 0, 0, 0o644);
  return root;
}

export interface PackageFile {
  path: string;
  mode: number;
  text?: string;
}

/**
 * Build a .deb with dpkg-deb: every file owned by root (what packages ship), maintainer scripts made of the
 * packaging/deb snippets verbatim but for the program's path (`dir` must be the workspace's directory: its
 * bin/momentum-perms stands for /usr/bin/momentum-perms), followed by `preinstExtra` (the package's own
 * code, which runs after the snippet).
 */
export function buildDeb(dir: string, version: string, files: PackageFile[], preinstExtra = ''): string {
  const tree = path.join(dir, `pkg-${version}`);
  fs.mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  fs.writeFileSync(
    path.join(tree, 'DEBIAN/control'),
    `Package: msys-ecelerity-fake\nVersion: ${version}\nArchitecture: all\nMaintainer: Tests <tests@example.invalid>\nDescription: a small stand-in for a Momentum package\n`,
  );
  const script = (name: string, extra: string): void => {
    // The snippet calls the program where the tool's package puts it; here it is the workspace's wrapper.
    const snippet = packagingFile(`deb/${name}`);
    if (!snippet.includes('/usr/bin/momentum-perms')) throw new Error(`deb/${name} no longer calls /usr/bin/momentum-perms`);
    const local = snippet.replaceAll('/usr/bin/momentum-perms', path.join(dir, 'bin/momentum-perms'));
    fs.writeFileSync(path.join(tree, 'DEBIAN', name), `#!/bin/sh\nset -e\n${local}${extra}`, { mode: 0o755 });
    fs.chmodSync(path.join(tree, 'DEBIAN', name), 0o755);
  };
  script('preinst', preinstExtra);
  script('postinst', '');
  for (const f of files) {
    const h = path.join(tree, f.path);
    fs.mkdirSync(path.dirname(h), { recursive: true, mode: 0o755 });
    fs.writeFileSync(h, f.text ?? `${f.path} ${version}\n`);
    fs.chmodSync(h, f.mode);
  }
  const deb = path.join(dir, `fake_${version}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, deb], { stdio: 'pipe' });
  return deb;
}

/**
 * `dpkg --root` installs into a throw-away root: with `--force-script-chrootless` the maintainer scripts run
 * on this machine with DPKG_ROOT set instead of chrooted (the root has no shell or node); `--log` keeps
 * this machine's /var/log/dpkg.log out of it. Returns status and output.
 */
export function dpkgInstall(ws: Workspace, root: string, deb: string): { status: number; out: string } {
  const r = spawnSync('dpkg', [`--root=${root}`, `--log=${path.join(ws.dir, 'dpkg.log')}`, '--force-script-chrootless', '-i', deb], {
    env: ws.env,
    encoding: 'utf8',
  });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/**
 * Read node_exporter metrics with two real parsers: `promtool check metrics` (Prometheus' own linter and
 * parser) must accept the file, and Python's prometheus_client returns name{labels} → value.
 */
export function metrics(file: string): Map<string, number> {
  const text = fs.readFileSync(file, 'utf8');
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (lint.error || lint.status !== 0) throw new Error(`promtool check metrics ${file}: ${lint.error ?? ''}${lint.stdout}${lint.stderr}`);
  const py = `
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value}")
`;
  const out = execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

/** Run the CLI as a person would (through the PATH wrapper). */
export function cli(ws: Workspace, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number; out: string; err: string } {
  const r = spawnSync(path.join(ws.bin, 'momentum-perms'), args, { env: { ...ws.env, ...extraEnv }, encoding: 'utf8' });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}
