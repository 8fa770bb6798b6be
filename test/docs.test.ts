/**
 * The documents a person reads: README.md and docs/*.md. Every relative link leads to a file that exists and,
 * with a #fragment, to a heading of that file (GitHub's anchors); the rules files point at docs/rules.md; the
 * guides are the ones README lists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DOCS = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchors of a Markdown file's headings (outside code fences), duplicates numbered. */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of fs.readFileSync(path.join(REPO, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = fence ? null : /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = (m[1] as string).trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative links `[text](target)` outside code fences. */
function links(file: string): string[] {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/.test(l));
}

describe('README.md and docs/', () => {
  it('every relative link reaches a file, and every #fragment a heading in it', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const link of links(file)) {
        const [target, fragment] = link.split('#') as [string, string | undefined];
        const dest = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
        if (!fs.existsSync(path.join(REPO, dest))) broken.push(`${file}: ${link} (no ${dest})`);
        else if (fragment !== undefined && dest.endsWith('.md') && !anchors(dest).has(fragment)) broken.push(`${file}: ${link} (no heading #${fragment} in ${dest})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('README links every guide in docs/, and the rules files point at docs/rules.md', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const file of DOCS.filter((f) => f.startsWith('docs/'))) expect(readme, file).toContain(`](${file})`);
    for (const rules of ['rules/3.x.rules', 'rules/4.x.rules']) expect(fs.readFileSync(path.join(REPO, rules), 'utf8'), rules).toContain('docs/rules.md');
  });

  it('README stays short: what it is, the set-up commands, the quick start, exit status, error codes, links', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(250);
    expect(readme).toContain('npm ci && node bin/momentum-perms.js example');
    expect(readme).toMatch(/^npm test\s/m);
  });
});
