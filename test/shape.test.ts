/**
 * The shape of the suite, enforced: every test file is of one of three kinds, and its name says which.
 *
 * - unit, `NAME.test.ts`: pure functions, or a memfs filesystem; no real filesystem written, no child
 *   process running the CLI or a package tool.
 * - disk, `NAME.disk.test.ts`: the real filesystem, in a temporary root built by the one builder of
 *   test/support/root.ts (`tempDir`), the suites that need root gated by its one gate (`asRoot`).
 * - e2e, `NAME.e2e.test.ts`: the built CLI (bin/momentum-perms.js) in a child process, or real packages:
 *   rpm, dpkg, apt, systemd, promtool.
 *
 * What it checks, by reading each file's text (no test is run):
 * 1. the kind a file's markers give, the heaviest one (e2e over disk over unit), is the kind its name says:
 *    - e2e markers: the relative path `../bin/momentum-perms.js`; a child process of rpm, rpmbuild, dpkg,
 *      dpkg-deb, apt, apt-get, systemctl, systemd-run, promtool or lintian; a value of E2E_HELPERS imported;
 *    - disk markers: a value imported from a module of test/ that is, or imports, test/support/root.ts;
 *      a write through node:fs (`fs.writeFileSync`, `fs.mkdirSync`, `fs.chownSync`, …);
 * 2. a disk or e2e file reaches the one builder and gate (it imports test/support/root.ts, itself or through
 *    a helper of test/), and has none of its own: no `os.tmpdir()`, no '/tmp', no `getuid() === 0`.
 * 3. every glob of vitest.config.ts's SAFETY list (the tests run again on the pure-JS path) still names a
 *    test file, so that a rename cannot drop one from the `pure-js` project unseen.
 * A plain `NAME.test.ts` that spawns the CLI or builds a real root thus fails here, naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST = path.resolve(__dirname);

type Kind = 'unit' | 'disk' | 'e2e';

/** Values of the helpers of test/ that run the built CLI or a package tool in a child process. */
const E2E_HELPERS: Record<string, string[]> = {
  'fix/install.ts': ['BIN', 'cliProcess'],
  'upgrade/packaging.ts': ['CLI', 'cli', 'dpkgInstall', 'buildDeb', 'metrics'],
  'package/rpm-fixture.ts': ['buildPackages', 'rpmRoot'],
  'packaging/system.ts': ['buildToolPackages', 'buildMomentumRpm', 'buildMomentumDeb', 'overlay'],
};

const ROOT_MODULE = 'support/root.ts';

const CLI_PATH = /\.\.\/bin\/momentum-perms\.js/;
const PACKAGE_TOOL =
  /\b(?:spawn|spawnSync|execFile|execFileSync|execSync)\(\s*['"`](?:\/usr\/s?bin\/)?(?:rpm|rpmbuild|dpkg|dpkg-deb|apt|apt-get|systemctl|systemd-run|promtool|lintian)['"`]/;
const NODE_FS = /^import\s+\*\s+as\s+fs\s+from\s+'node:fs'/m;
const FS_WRITE =
  /\bfs\.(?:writeFileSync|appendFileSync|mkdirSync|mkdtempSync|symlinkSync|linkSync|chownSync|lchownSync|chmodSync|renameSync|rmSync|unlinkSync|utimesSync|truncateSync|writeSync)\b/;
const OWN_TMP = /\bos\.tmpdir\(|['"`]\/tmp['"`/]/;
const OWN_GATE = /getuid\??\.?\(\)\s*===?\s*0\b/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'tools') out.push(...files(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code without comments (a comment may name the CLI or /tmp without using them). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The value imports and re-exports of a file from modules of test/: module (relative to test/) and names. */
function localImports(file: string, text: string): { module: string; names: string[] }[] {
  const out: { module: string; names: string[] }[] = [];
  const re = /^(?:import|export)\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+'(\.{1,2}\/[^']+)'/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined) continue;
    const target = path.resolve(path.dirname(file), (m[3] as string).replace(/\.js$/, '.ts'));
    if (!target.startsWith(TEST + path.sep)) continue;
    const clause = m[2] as string;
    const names = clause.startsWith('{')
      ? clause
          .slice(1, -1)
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '' && !s.startsWith('type '))
          .map((s) => s.split(/\s+as\s+/)[0] as string)
      : ['*'];
    if (names.length > 0) out.push({ module: path.relative(TEST, target), names });
  }
  return out;
}

const texts = new Map<string, string>();
function read(rel: string): string {
  let t = texts.get(rel);
  if (t === undefined) texts.set(rel, (t = code(fs.readFileSync(path.join(TEST, rel), 'utf8'))));
  return t;
}

/** Whether a module of test/ is test/support/root.ts or imports it, itself or through other modules. */
function reachesRoot(rel: string, seen = new Set<string>()): boolean {
  if (rel === ROOT_MODULE) return true;
  if (seen.has(rel)) return false;
  seen.add(rel);
  return localImports(path.join(TEST, rel), read(rel)).some((i) => reachesRoot(i.module, seen));
}

/** The kind a file's text gives, and the markers that gave it. */
function kindOf(rel: string): { kind: Kind; why: string[] } {
  const text = read(rel);
  const imports = localImports(path.join(TEST, rel), text);
  const e2e: string[] = [];
  const disk: string[] = [];
  if (CLI_PATH.test(text)) e2e.push("names the built CLI's path");
  const tool = PACKAGE_TOOL.exec(text);
  if (tool) e2e.push(`runs ${tool[0]}`);
  for (const i of imports) {
    for (const n of i.names) if (E2E_HELPERS[i.module]?.includes(n)) e2e.push(`imports ${n} from ${i.module}`);
    if (reachesRoot(i.module)) disk.push(`imports ${i.names.join(', ')} from ${i.module}`);
  }
  const write = NODE_FS.test(text) ? FS_WRITE.exec(text) : null;
  if (write) disk.push(`writes with ${write[0]}`);
  if (e2e.length > 0) return { kind: 'e2e', why: e2e };
  if (disk.length > 0) return { kind: 'disk', why: disk };
  return { kind: 'unit', why: [] };
}

function namedKind(rel: string): Kind {
  return rel.endsWith('.e2e.test.ts') ? 'e2e' : rel.endsWith('.disk.test.ts') ? 'disk' : 'unit';
}

const TESTS = files(TEST)
  .map((f) => path.relative(TEST, f))
  .filter((f) => f.endsWith('.test.ts'))
  .sort();

describe('the shape of the suite', () => {
  it('finds the test files, and every helper of E2E_HELPERS exports the values it names', () => {
    expect(TESTS.length).toBeGreaterThan(50);
    for (const [module, names] of Object.entries(E2E_HELPERS)) {
      for (const n of names) expect(read(module), `${module} exports ${n}`).toMatch(new RegExp(`^export (?:async )?(?:function|const) ${n}\\b`, 'm'));
    }
  });

  it('names every test file by its kind: unit NAME.test.ts, disk NAME.disk.test.ts, e2e NAME.e2e.test.ts', () => {
    const wrong = TESTS.flatMap((rel) => {
      const { kind, why } = kindOf(rel);
      return kind === namedKind(rel) ? [] : [`test/${rel} is ${kind} (${why.join('; ') || 'no marker of disk or e2e'}), named ${namedKind(rel)}`];
    });
    expect(wrong).toEqual([]);
  });

  it('has the disk and e2e files build their roots with test/support/root.ts and gate on it alone', () => {
    const wrong = TESTS.filter((rel) => namedKind(rel) !== 'unit').flatMap((rel) => {
      const text = read(rel);
      const out: string[] = [];
      if (!localImports(path.join(TEST, rel), text).some((i) => reachesRoot(i.module))) out.push(`test/${rel} does not import test/support/root.ts`);
      if (OWN_TMP.test(text)) out.push(`test/${rel} makes a temporary directory of its own (use tempDir)`);
      if (OWN_GATE.test(text)) out.push(`test/${rel} checks for root itself (use asRoot)`);
      return out;
    });
    expect(wrong).toEqual([]);
  });

  it('keeps a test file behind every glob of the SAFETY list of vitest.config.ts', () => {
    const config = fs.readFileSync(path.join(TEST, '..', 'vitest.config.ts'), 'utf8');
    const list = /const SAFETY = \[([^\]]*)\]/.exec(config)?.[1] ?? '';
    const globs = [...list.matchAll(/'test\/([^']+)'/g)].map((m) => m[1] as string);
    expect(globs.length).toBeGreaterThan(5);
    // A glob as a regular expression: `**/` any folders, `*` any characters but '/'.
    const regex = (g: string): RegExp => {
      const escape = (s: string): string => s.replace(/[.+?^$(){}|[\]\\]/g, '\\$&');
      return new RegExp(`^${g.split('**/').map((part) => part.split('*').map(escape).join('[^/]*')).join('(?:.*/)?')}$`);
    };
    expect(globs.filter((g) => !TESTS.some((rel) => regex(g).test(rel)))).toEqual([]);
  });
});
