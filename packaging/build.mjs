#!/usr/bin/env node
/**
 * `npm run package`: builds the system packages from the compiled tree (dist/, which `npm run build` made):
 *   build/pkg/momentum-perms-VERSION-1.ARCH.rpm     with rpmbuild and packaging/rpm/momentum-perms.spec
 *   build/pkg/momentum-perms_VERSION-1_DEBARCH.deb  with dpkg-deb and packaging/deb/package/
 * ARCH and DEBARCH are this machine's (x86_64 and amd64 here): the packages ship the native helpers compiled.
 * Both hold the same program: /usr/lib/momentum-perms/{dist,bin,rules,package.json,node_modules (production
 * dependencies only)}, the launcher /usr/bin/momentum-perms, the systemd units, /etc/momentum-perms/local.rules
 * (a configuration file the package never overwrites), the settings file, /var/lib/momentum-perms 0700 root,
 * LICENSE, README and the guides of docs/, the cron file as an example, bash and zsh completion, the manual pages of man/.
 * Prints the two paths.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const P = (...p) => path.join(REPO, ...p);
const pkg = JSON.parse(fs.readFileSync(P('package.json'), 'utf8'));
const VERSION = pkg.version;
// `--out DIR` builds under DIR instead of build/ (the tests use a temporary directory each).
const outAt = process.argv.indexOf('--out');
const BUILD = outAt > 0 && process.argv[outAt + 1] ? path.resolve(process.argv[outAt + 1]) : P('build');
// `--release N` (default 1): the rpm's Release, for a test that upgrades the tool itself.
const releaseAt = process.argv.indexOf('--release');
const RELEASE = releaseAt > 0 && /^\d+$/.test(process.argv[releaseAt + 1] ?? '') ? process.argv[releaseAt + 1] : '1';
const OUT = path.join(BUILD, 'pkg');

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
}

function die(msg) {
  process.stderr.write(`package: ${msg}\n`);
  process.exit(1);
}

for (const tool of ['rpmbuild', 'dpkg-deb', 'tar']) {
  try {
    run('sh', ['-c', `command -v ${tool}`]);
  } catch {
    die(`${tool} is not installed (Debian: apt-get install rpm dpkg-dev)`);
  }
}
if (!fs.existsSync(P('dist/cli.js'))) die('dist/ is missing: run `npm run build` first (`npm run package` does)');
// bin/momentum-perms.js runs the bundle (bundle/build.mjs), not the module tree beside it.
if (!fs.existsSync(P('dist/bundle/cli.js'))) die('dist/bundle/cli.js is missing: the CLI was not bundled (run `npm run build`, which runs bundle/build.mjs)');
// The packages ship the native helpers compiled: a package without them would run the slow path everywhere.
if (!fs.existsSync(P('dist/native/fsat.node'))) {
  die('dist/native/fsat.node is missing: the native helpers were not built (a C compiler and Node\'s headers are needed; see `node native/build.mjs --require`)');
}
const RPM_ARCH = run('rpm', ['--eval', '%{_arch}']).trim();
const DEB_ARCH = run('dpkg', ['--print-architecture']).trim();

/** Copy a file with an exact mode; parents 0755. */
function copy(from, to, mode = 0o644) {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, mode);
}

/** Copy a tree: directories 0755, files 0644, keeping only what `keep` accepts. */
function copyTree(from, to, keep = () => true) {
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  fs.chmodSync(to, 0o755);
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyTree(a, b, keep);
    else if (e.isFile() && keep(a)) copy(a, b);
    else if (!e.isFile()) die(`unexpected non-file ${a}`);
  }
}

/**
 * The program tree that goes to /usr/lib/momentum-perms: the compiled JavaScript (no type declarations),
 * the launcher module, the shipped rules, a package.json without the development parts, and the
 * production dependencies exactly as `npm ls --omit=dev` resolves them.
 */
function stageProgram(lib) {
  copyTree(P('dist'), path.join(lib, 'dist'), (f) => f.endsWith('.js'));
  // The native helpers, without their symbol table (nothing needs it at run time).
  const native = path.join(lib, 'dist/native/fsat.node');
  copy(P('dist/native/fsat.node'), native, 0o644);
  run('strip', ['--strip-unneeded', native]);
  // Imported by /usr/bin/momentum-perms, never run itself: without its `#!/usr/bin/env node` line.
  copy(P('bin/momentum-perms.js'), path.join(lib, 'bin/momentum-perms.js'));
  const entry = path.join(lib, 'bin/momentum-perms.js');
  fs.writeFileSync(entry, fs.readFileSync(entry, 'utf8').replace(/^#!.*\n/, ''));
  copyTree(P('rules'), path.join(lib, 'rules'));
  const { name, version, description, type, license, main, exports, dependencies, engines } = pkg;
  fs.writeFileSync(path.join(lib, 'package.json'), JSON.stringify({ name, version, description, type, license, main, exports, engines, dependencies }, null, 2) + '\n');
  fs.chmodSync(path.join(lib, 'package.json'), 0o644);
  const deps = run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO })
    .split('\n')
    .filter((l) => l.startsWith(path.join(REPO, 'node_modules') + '/'));
  for (const d of deps) copyTree(d, path.join(lib, path.relative(REPO, d)));
  return deps.map((d) => path.relative(path.join(REPO, 'node_modules'), d));
}

/** Everything a package installs besides the program, by its role; each package puts them where it wants. */
const PIECES = {
  launcher: P('packaging/bin/momentum-perms'),
  service: P('packaging/systemd/momentum-perms-audit.service'),
  timer: P('packaging/systemd/momentum-perms-audit.timer'),
  localRules: P('packaging/local.rules'),
  settings: P('packaging/default/momentum-perms'),
  cron: P('packaging/cron.d/momentum-perms'),
  apt: P('packaging/apt/80momentum-perms'),
  license: P('LICENSE'),
  readme: P('README.md'),
  docs: P('docs'),
};

/** Manual pages, when the project has them: man/NAME.SECTION, installed gzipped to /usr/share/man/manSECTION/. */
const MAN = fs.existsSync(P('man')) ? fs.readdirSync(P('man')).filter((n) => /\.[1-8]$/.test(n)).sort() : [];
function stageMan(dirFor) {
  for (const n of MAN) {
    const to = path.join(dirFor(n.slice(-1)), `${n}.gz`);
    fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
    fs.writeFileSync(to, zlib.gzipSync(fs.readFileSync(P('man', n)), { level: 9 }));
    fs.chmodSync(to, 0o644);
  }
}

/** Shell completion scripts, as the built CLI prints them (`momentum-perms completion bash|zsh`). */
const COMPLETION = Object.fromEntries(
  ['bash', 'zsh'].map((shell) => [shell, run(process.execPath, [P('bin/momentum-perms.js'), 'completion', shell])]),
);
function putText(to, text) {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  fs.writeFileSync(to, text);
  fs.chmodSync(to, 0o644);
}

fs.rmSync(path.join(BUILD, 'rpm'), { recursive: true, force: true });
fs.rmSync(path.join(BUILD, 'deb'), { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

// --- rpm: a source tarball of the staged tree, then rpmbuild with the spec ---------------------------------
const top = path.join(BUILD, 'rpm');
const srcName = `momentum-perms-${VERSION}`;
const src = path.join(top, 'stage', srcName);
const deps = stageProgram(path.join(src, 'lib'));
copy(PIECES.launcher, path.join(src, 'momentum-perms'), 0o755);
copy(PIECES.service, path.join(src, 'momentum-perms-audit.service'));
copy(PIECES.timer, path.join(src, 'momentum-perms-audit.timer'));
copy(PIECES.localRules, path.join(src, 'local.rules'));
copy(PIECES.settings, path.join(src, 'momentum-perms.default'));
copy(PIECES.cron, path.join(src, 'examples/cron.d/momentum-perms'));
copy(PIECES.license, path.join(src, 'LICENSE'));
copy(PIECES.readme, path.join(src, 'README.md'));
fs.cpSync(PIECES.docs, path.join(src, 'docs'), { recursive: true });
stageMan(() => path.join(src, 'man'));
putText(path.join(src, 'completion/momentum-perms.bash'), COMPLETION.bash);
putText(path.join(src, 'completion/_momentum-perms'), COMPLETION.zsh);
fs.mkdirSync(path.join(top, 'SOURCES'), { recursive: true });
run('tar', ['--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-czf', path.join(top, 'SOURCES', `${srcName}.tar.gz`), '-C', path.join(top, 'stage'), srcName]);
run('rpmbuild', [
  '--quiet',
  '--define', `_topdir ${top}`,
  '--define', `mp_version ${VERSION}`,
  '--define', `mp_release ${RELEASE}`,
  // Debian's rpm keeps its database under ~/.rpmdb; a build needs none.
  '--define', `_dbpath ${path.join(top, 'db')}`,
  '--define', '_build_id_links none',
  '-bb', P('packaging/rpm/momentum-perms.spec'),
]);
const rpmName = `momentum-perms-${VERSION}-${RELEASE}.${RPM_ARCH}.rpm`;
fs.copyFileSync(path.join(top, 'RPMS', RPM_ARCH, rpmName), path.join(OUT, rpmName));

// --- deb: the tree as installed, DEBIAN/ from packaging/deb/package, then dpkg-deb ------------------------
const tree = path.join(BUILD, 'deb', `momentum-perms_${VERSION}-1_${DEB_ARCH}`);
const doc = path.join(tree, 'usr/share/doc/momentum-perms');
stageProgram(path.join(tree, 'usr/lib/momentum-perms'));
copy(PIECES.launcher, path.join(tree, 'usr/bin/momentum-perms'), 0o755);
// Debian 12 keeps systemd units in /lib (usrmerge makes it the same directory as /usr/lib).
copy(PIECES.service, path.join(tree, 'lib/systemd/system/momentum-perms-audit.service'));
copy(PIECES.timer, path.join(tree, 'lib/systemd/system/momentum-perms-audit.timer'));
copy(PIECES.localRules, path.join(tree, 'etc/momentum-perms/local.rules'));
copy(PIECES.settings, path.join(tree, 'etc/default/momentum-perms'));
copy(PIECES.apt, path.join(tree, 'etc/apt/apt.conf.d/80momentum-perms'));
copy(PIECES.cron, path.join(doc, 'examples/cron.d/momentum-perms'));
copy(PIECES.readme, path.join(doc, 'README.md'));
fs.cpSync(PIECES.docs, path.join(doc, 'docs'), { recursive: true });
stageMan((section) => path.join(tree, `usr/share/man/man${section}`));
putText(path.join(tree, 'usr/share/bash-completion/completions/momentum-perms'), COMPLETION.bash);
putText(path.join(tree, 'usr/share/zsh/vendor-completions/_momentum-perms'), COMPLETION.zsh);
copy(P('packaging/deb/package/copyright'), path.join(doc, 'copyright'));
const changelog = fs.readFileSync(P('packaging/deb/package/changelog'), 'utf8').replaceAll('@VERSION@', VERSION);
fs.writeFileSync(path.join(doc, 'changelog.Debian.gz'), zlib.gzipSync(changelog, { level: 9 }));
fs.chmodSync(path.join(doc, 'changelog.Debian.gz'), 0o644);
// The state directory holds snapshots that decide what a root fix restores: root's alone.
fs.mkdirSync(path.join(tree, 'var/lib/momentum-perms'), { recursive: true });
fs.chmodSync(path.join(tree, 'var/lib/momentum-perms'), 0o700);

const debian = path.join(tree, 'DEBIAN');
fs.mkdirSync(debian, { recursive: true, mode: 0o755 });
const size = Number(run('du', ['-s', '-k', '--exclude=DEBIAN', tree]).split('\t')[0]);
fs.writeFileSync(
  path.join(debian, 'control'),
  fs.readFileSync(P('packaging/deb/package/control'), 'utf8').replaceAll('@VERSION@', VERSION).replaceAll('@SIZE@', String(size)).replaceAll('@ARCH@', DEB_ARCH),
);
copy(P('packaging/deb/package/triggers'), path.join(debian, 'triggers'));
copy(P('packaging/deb/package/postinst'), path.join(debian, 'postinst'), 0o755);
copy(P('packaging/deb/package/prerm'), path.join(debian, 'prerm'), 0o755);
const conffiles = ['/etc/momentum-perms/local.rules', '/etc/default/momentum-perms', '/etc/apt/apt.conf.d/80momentum-perms'];
fs.writeFileSync(path.join(debian, 'conffiles'), conffiles.join('\n') + '\n');
const files = run('find', ['.', '-path', './DEBIAN', '-prune', '-o', '-type', 'f', '-printf', '%P\\n'], { cwd: tree }).trim().split('\n').sort();
fs.writeFileSync(path.join(debian, 'md5sums'), run('md5sum', ['--', ...files], { cwd: tree }));
for (const f of ['control', 'conffiles', 'md5sums']) fs.chmodSync(path.join(debian, f), 0o644);
const debName = `momentum-perms_${VERSION}-1_${DEB_ARCH}.deb`;
run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', tree, path.join(OUT, debName)]);

process.stdout.write(`${path.join(OUT, rpmName)}\n${path.join(OUT, debName)}\n(production dependencies: ${deps.join(', ')})\n`);
