/**
 * The import direction, enforced: every module of src/ sits in a layer, and imports code only from its own
 * layer or the ones below. The trusted I/O (src/io/) stands under every stage; the stages that consume
 * verdicts (fix, snapshot) are siblings that never import each other; the renderers (report/) sit above the
 * stages whose results they show; the pipeline sits above the stages, and the CLI above it. A type-only
 * import (`import type`) is a contract, erased from the build, and may name a result type of any layer. A
 * new import that runs upward fails here, naming the file and the line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../src');

/** Layer of each module, by path under src/ (the longest matching prefix wins). */
const LAYERS: [prefix: string, layer: number][] = [
  ['types.ts', 0],
  ['errors.ts', 0],
  ['printable.ts', 0],
  ['paths.ts', 0],
  ['exit.ts', 0],
  ['io/', 1],
  ['config/', 2],
  ['walk/', 2],
  ['rules/', 3],
  ['package/', 3],
  ['settings.ts', 3],
  ['audit/', 4],
  ['fix/', 5],
  ['snapshot/', 5],
  // A library call that binds the install, as the snapshot does.
  ['package/explain.ts', 5],
  ['report/', 6],
  ['upgrade/', 7],
  ['pipeline.ts', 8],
  // The hooks run whole pipelines (snapshot, fix --since) on the package manager's behalf.
  ['upgrade/hook.ts', 9],
  ['example/', 10],
  ['commands/', 10],
  ['completion.ts', 10],
  ['cli.ts', 10],
  ['index.ts', 10],
];

/** Stages of one layer that must not import each other (they meet only in the pipeline). */
const SIBLINGS = new Set(['fix', 'snapshot']);

function layerOf(rel: string): number {
  let best: [string, number] | undefined;
  for (const [prefix, layer] of LAYERS) {
    if ((rel === prefix || rel.startsWith(prefix)) && (best === undefined || prefix.length > best[0].length)) best = [prefix, layer];
  }
  if (best === undefined) throw new Error(`src/${rel} is in no layer: add it to LAYERS in test/layers.test.ts`);
  return best[1];
}

function folderOf(rel: string): string {
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Every relative import or re-export of a file that brings code: `import … from './x.js'`,
 * `export … from '../y.js'`, `import('./z.js')`; not `import type` / `export type` (contracts only).
 */
function importsOf(text: string): { line: number; spec: string }[] {
  const out: { line: number; spec: string }[] = [];
  const re = /^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\s*\(\s*'(\.{1,2}\/[^']+)'|^import\s+'(\.{1,2}\/[^']+)'/gms;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined) continue;
    out.push({ line: text.slice(0, m.index).split('\n').length, spec: (m[2] ?? m[3] ?? m[4]) as string });
  }
  return out;
}

describe('the import direction of src/', () => {
  const files = sources(SRC);

  it('finds the modules and their imports', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(importsOf(fs.readFileSync(path.join(SRC, 'io/state.ts'), 'utf8')).length).toBeGreaterThan(0);
  });

  it('no module imports code from a layer above its own, and fix and snapshot do not import each other', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const rel = path.relative(SRC, file);
      const from = layerOf(rel);
      for (const { line, spec } of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts');
        if (target.startsWith('..')) continue; // outside src/ (package.json and the like)
        const to = layerOf(target);
        const a = folderOf(rel);
        const b = folderOf(target);
        if (to > from) wrong.push(`src/${rel}:${line} imports src/${target} (layer ${to} above ${from})`);
        else if (a !== b && SIBLINGS.has(a) && SIBLINGS.has(b)) wrong.push(`src/${rel}:${line} imports src/${target} (sibling stages)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('spells /proc/self/fd/ in one place only (io/fd.ts fdPath)', () => {
    const spelled = files
      .map((f) => path.relative(SRC, f))
      .filter((rel) => rel !== 'io/fd.ts')
      .filter((rel) => /`\/proc\/self\/fd\/\$\{/.test(fs.readFileSync(path.join(SRC, rel), 'utf8')));
    expect(spelled).toEqual([]);
  });
});
