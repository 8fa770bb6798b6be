/**
 * The published package, as a program that depends on it sees it: `dist/index.js` (built by `npm run build`,
 * which `npm test` runs first), and the "Programmatic use" examples of docs/contributing.md run as they are
 * written, with a test install in place of `/srv/restore`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/root.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist', 'index.js');
const install = path.join(repo, 'test', 'config', 'fixtures', 'basic');
const CONF = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';

interface Example {
  section: string;
  code: string;
}

/** Every ```ts block that imports the package, in the "Programmatic use" sections. */
function examples(): Example[] {
  const doc = fs.readFileSync(path.join(repo, 'docs', 'contributing.md'), 'utf8');
  const out: Example[] = [];
  for (const part of doc.split(/^## /m)) {
    const section = part.slice(0, part.indexOf('\n'));
    if (!section.startsWith('Programmatic use')) continue;
    for (const m of part.matchAll(/```ts\n([\s\S]*?)```/g)) {
      if (m[1]?.includes("from 'momentum-perms'")) out.push({ section, code: m[1] });
    }
  }
  return out;
}

const { dir: tmp, cleanup } = tempDir('api');
afterAll(cleanup);

/** Run an example as its own program against the built package. */
function run(e: Example): { status: number | null; stdout: string; stderr: string } {
  const code = e.code.replaceAll("'momentum-perms'", JSON.stringify(pathToFileURL(dist).href)).replaceAll("'/srv/restore'", JSON.stringify(install));
  const file = path.join(tmp, `${e.section.replace(/\W+/g, '-')}.mjs`);
  fs.writeFileSync(file, code);
  const env = { ...process.env };
  delete env['EC_CONF_SEARCH_PATH'];
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function example(section: string): Example {
  const e = examples().find((x) => x.section === section);
  if (e === undefined) throw new Error(`no example in "${section}"`);
  return e;
}

describe('the built package', () => {
  it('is built', () => {
    expect(fs.existsSync(dist), 'run npm run build first').toBe(true);
  });

  it('has an example in each "Programmatic use" section that shows one', () => {
    expect(examples().map((e) => e.section)).toEqual([
      'Programmatic use: the configuration',
      'Programmatic use: the rules',
      'Programmatic use: the audit',
    ]);
  });

  it('reads the configuration as the configuration example says', () => {
    const r = run(example('Programmatic use: the configuration'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${CONF} ecuser\n`);
  });

  it('resolves settings, binds the rules and explains a path as the rules example says', () => {
    const r = run(example('Programmatic use: the rules'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^owner ecuser \(500\) rules\/4\.x\.rules:\d+$/m);
    expect(r.stdout).toMatch(/^group ecuser \(500\) rules\/4\.x\.rules:\d+$/m);
  });

  it('audits with streamed findings and the documented exit status, as the audit example says', async () => {
    const api = (await import(pathToFileURL(dist).href)) as typeof import('../src/index.js');
    const want: string[] = [];
    const res = api.audit({ root: install, onFinding: (f) => want.push(`${f.path} ${f.check}`) });
    expect(want.length).toBeGreaterThan(0);
    const r = run(example('Programmatic use: the audit'));
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(want);
    expect(r.status).toBe(api.exitStatusOf(res.summary));
  });
});
