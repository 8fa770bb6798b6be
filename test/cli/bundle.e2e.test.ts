/**
 * The CLI runs from its bundle (bundle/build.mjs → dist/bundle/), not from tsc's module tree beside it: the
 * launcher imports dist/bundle/cli.js, the bundle imports nothing but Node's own modules and its own chunks
 * (read by esbuild's parser, not by a pattern), and the bundled CLI still finds what it locates from its
 * own `import.meta.url`: the native helpers (dist/native/fsat.node) and the shipped rules (rules/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, REPO } from '../upgrade/packaging.js';
import { tempDir } from '../support/root.js';

const BUNDLE = path.join(REPO, 'dist/bundle');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Imported by the child before the CLI; at its exit, prints the files mapped into the process that are named
 * fsat.node. A loaded addon stays mapped; the pure-JS path maps none.
 */
const NATIVE_PROBE =
  'data:text/javascript,' +
  encodeURIComponent(
    "import * as fs from 'node:fs';" +
      "process.on('exit', () => { const m = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')" +
      ".map((l) => l.split(/\\s+/).slice(5).join(' ')).filter((p) => p.endsWith('/fsat.node'));" +
      "process.stderr.write(`mapped: ${JSON.stringify([...new Set(m)])}\\n`); });",
  );

beforeAll(() => ensureBuilt(), 120_000);

describe('the bundled CLI', () => {
  it('is what bin/momentum-perms.js imports, and the only module it imports', () => {
    const text = fs.readFileSync(CLI, 'utf8');
    expect([...text.matchAll(/^import\b[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1])).toEqual(['../dist/bundle/cli.js']);
    expect(text).not.toMatch(/\bimport\s*\(/);
  });

  it('imports only node: modules and its own chunks of dist/bundle/, every one of which it reaches', async () => {
    // Flat: the code finds ../native/ and ../../rules/ from its own URL, so it must sit one level below dist/.
    const entries = fs.readdirSync(BUNDLE, { withFileTypes: true });
    expect(entries.filter((e) => !(e.isFile() && e.name.endsWith('.js'))).map((e) => e.name)).toEqual([]);
    const r = await build({
      absWorkingDir: BUNDLE,
      entryPoints: ['cli.js'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outdir: 'out',
      external: ['node:*'],
      logLevel: 'silent',
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const inputs = r.metafile.inputs;
    // Each module the bundle reaches, static or dynamic import: a file of dist/bundle/ itself (no `../cli.js`,
    // no `node_modules/commander`), and no chunk left over from an older build.
    expect(Object.keys(inputs).sort()).toEqual(entries.map((e) => e.name).sort());
    const external = Object.values(inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    expect(external.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(external.length).toBeGreaterThan(0);
  });

  it('prints its version', () => {
    const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });
});

describe('the bundled CLI, on an install', () => {
  let dir: string;
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the native helpers from dist/native/ and binds the shipped rules from rules/', () => {
    dir = tempDir('bundle', 0o755).dir;
    // `example` builds an install and audits it: the walk makes the helpers' first call, the audit binds 4.x.rules.
    const r = spawnSync(process.execPath, ['--import', NATIVE_PROBE, CLI, 'example', '--root', path.join(dir, 'root')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mode {2}rules\/4\.x\.rules:\d+ /m);
    const mapped = JSON.parse(/^mapped: (.*)$/m.exec(r.stderr)?.[1] ?? 'null') as string[] | null;
    // As test/io/io-path.test.ts: native wherever the build could compile the helpers, none with MOMENTUM_PERMS_NATIVE=0.
    expect(mapped).toEqual(process.env.MOMENTUM_PERMS_NATIVE === '0' ? [] : [path.join(REPO, 'dist/native/fsat.node')]);
  });
});
