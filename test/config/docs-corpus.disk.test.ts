import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import type { MomentumConfig } from '../../src/config/types.js';
import { MpError } from '../../src/errors.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';
import { tempDir } from '../support/root.js';

/**
 * Every configuration snippet of Momentum's public documentation (../shared/momentum-docs-configs, beside the
 * project, read-only: INDEX.tsv names each one's page and line) is read as ecelerity.conf: each parses, or fails
 * with the error class expected of it; and every path it names in a path-naming option is in `paths`.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = path.resolve(repo, '../shared/momentum-docs-configs');
const DEF = '/opt/msys/ecelerity/etc/conf/default';

/** Errors that name text copied from a documentation page: these snippets are not valid as printed. */
const COPIED = /documentation elision|no-break space|curly quote|markdown emphasis/;

/** Snippets that fail for another reason, each with its reason: the short list. */
const MAY_FAIL: Readonly<Record<string, { code: string; why: string }>> = {
  'momentum-3-3-reference-3-reference-conf-ref-match-cache-size__1.conf': { code: 'MP101', why: 'regular-expression domains with ( | ) unquoted; the syntax page says such values must be quoted' },
  'momentum-3-3-reference-3-reference-conf-ref-user__1.conf': { code: 'MP105', why: 'a synopsis: user = <replaceable>user name or id</replaceable>' },
  'momentum-4-config-ref-rollup-mx-name__2.conf': { code: 'MP102', why: 'the closing quote is missing on the page' },
  'momentum-4-config-tls-ciphers__1.conf': { code: 'MP101', why: 'a synopsis: "DEFAULT"|"NORMAL" lists alternatives' },
  'momentum-4-modules-custom-logger__11.conf': { code: 'MP101', why: 'the tail of a dictionary: the snippet starts inside it' },
  'momentum-4-modules-ha-proxy-client__2.conf': { code: 'MP101', why: "a '}' is missing on the page" },
  'momentum-knowledgebase-how-do-i-set-multiple-listener-stanzas-with-supercharger__1.conf': { code: 'MP101', why: 'prose inside the block ("Then modify your …")' },
  'web-mobility-mobility.conf.smpp_persistent_connections__2.conf': { code: 'MP101', why: "a ';' after the value, as in C" },
};

/** Options whose values name files, as the documentation spells them (the reader's own table is not consulted). */
const PATH_OPTIONS = [
  'spoolbase', 'mta_sts_policy_store', 'pidfile', 'masterdb_file', 'license', 'local_changes_file', 'persist_path',
  'tls_certificate', 'tls_key', 'tls_ca', 'tls_client_ca', 'tls_dhparams_file', 'resolv_conf', 'key', 'credentials',
  'mainlog', 'paniclog', 'rejectlog', 'acctlog', 'importlog', 'bouncelog', 'log_path', 'logfile', 'bounce_logfile',
  'destination', 'log', 'jlog_filename', 'jlog_file', 'log_file', 'filename_format', 'base_dir', 'filename_template',
  'msclog_path', 'fbllog', 'custombounce', 'output_file', 'error_file', 'seedlist_file', 'schedule_file', 'file_base',
  'work_dir', 'source', 'uri', 'path', 'basedir', 'backing_store', 'trace_smtp',
];
const OPTION_LINE = new RegExp(`^\\s*(${PATH_OPTIONS.join('|')})\\s*=?\\s*(?:\\(\\s*)?["']?([^"'\\s)\\]]+)`, 'i');
const FILE_SCHEMES = ['jlog', 'cluster', 'file', 'digest', 'groups', 'sqlite', 'cdb'];

/**
 * Snippets whose path values cannot be in `paths`, each with why: an option shown alone, without the module
 * scope that makes it a path (the page shows a fragment of that module's stanza).
 */
const FRAGMENTS: Readonly<Record<string, string>> = {
  'momentum-3-3-reference-3-reference-modules-custom-logger__5.conf': 'custom_logger options shown without their custom_logger scope',
  'momentum-3-3-reference-3-reference-modules-fbl__4.conf': 'a cluster logs entry shown without cluster { logs = [ … ] }',
  'momentum-3-3-reference-3-reference-modules-fbl__5.conf': 'fbl Log_Path shown without its fbl scope',
  'momentum-3-3-reference-cluster-config-logging__11.conf': 'an ec_logger option shown without its ec_logger scope',
  'momentum-4-modules-4-modules-cluster__2.conf': 'logs = [ … ] shown without its cluster scope',
};

/** The file a value names, reduced as docs/admin.md says (scheme, `=>subscriber`, templates), or null for none. */
function expectedPath(value: string): string | null {
  let p = value;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/.exec(p);
  if (m) {
    if (!FILE_SCHEMES.includes((m[1] as string).toLowerCase())) return null;
    p = p.slice(m[0].length);
  }
  if (!p.startsWith('/') && !p.startsWith('var/')) return null;
  p = p.replace(/=>.*$/, '').replace(/%\{[^}]*\}|%[A-Za-z]/g, '*').replace(/\*+/g, '*');
  return path.posix.resolve('/', p);
}

/** Each path value a snippet names in a path option: `file:line option value` and the path expected. */
function pathValues(text: string): { where: string; path: string }[] {
  const out: { where: string; path: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const m = OPTION_LINE.exec(line.replace(/#.*$/, ''));
    const p = m ? expectedPath(m[2] as string) : null;
    if (m && p) out.push({ where: `${i + 1} ${m[1]} ${m[2]}`, path: p });
  });
  return out;
}

interface Outcome {
  cfg?: MomentumConfig;
  error?: MpError;
  standIns: number;
}

let root: string;
/** Whether stand-ins were written under the root since it was last cleared. */
let dirty = true;
const names: string[] = [];
const outcomes = new Map<string, Outcome>();

/** Read one snippet as the 4.x ecelerity.conf; an include of a file the page does not show gets an empty stand-in. */
function readSnippet(name: string): Outcome {
  if (dirty) fs.rmSync(path.join(root, 'opt'), { recursive: true, force: true });
  dirty = false;
  fs.mkdirSync(root + DEF, { recursive: true });
  fs.copyFileSync(path.join(CORPUS, name), root + `${DEF}/ecelerity.conf`);
  const r = makeRoot(root);
  for (let standIns = 0; ; standIns++) {
    try {
      return { cfg: readConfig(realFs, r, filesUserDb(realFs, r), { node: 'mta1' }), standIns };
    } catch (e) {
      if (!(e instanceof MpError)) throw e;
      const target = /target "([^"]+)" not found/.exec(e.message)?.[1];
      if (e.code !== 'MP103' || target === undefined || standIns >= 5) return { error: e, standIns };
      dirty = true;
      const at = path.posix.resolve(path.posix.dirname(e.location?.file ?? DEF + '/x'), target);
      if (target.endsWith('/')) fs.mkdirSync(root + at, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(root + at), { recursive: true });
        fs.writeFileSync(root + at, '');
      }
    }
  }
}

beforeAll(() => {
  root = tempDir('docs').dir;
  fs.mkdirSync(root + '/etc');
  fs.writeFileSync(root + '/etc/passwd', 'root:x:0:0::/root:/bin/sh\necuser:x:500:500::/:/bin/false\n');
  fs.writeFileSync(root + '/etc/group', 'root:x:0:\necuser:x:500:\n');
  const index = fs.readFileSync(path.join(CORPUS, 'INDEX.tsv'), 'utf8').split('\n').slice(1).filter((l) => l !== '');
  names.push(...index.map((l) => l.split('\t')[0] as string));
  for (const n of names) outcomes.set(n, readSnippet(n));
}, 180_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("Momentum's documented configurations", () => {
  it('are all there: INDEX.tsv names 1,072 snippets, each a file', () => {
    expect(names.length).toBe(1072);
    expect(names.filter((n) => !fs.existsSync(path.join(CORPUS, n)))).toEqual([]);
  });

  it('each parses, or fails with the error class expected of it', () => {
    const wrong: string[] = [];
    for (const [n, o] of outcomes) {
      const allowed = MAY_FAIL[n];
      if (!o.error) {
        if (allowed) wrong.push(`${n}: parsed, but is listed as failing (${allowed.why})`);
        continue;
      }
      const e = o.error;
      if (allowed) {
        if (e.code !== allowed.code) wrong.push(`${n}: ${e.code} instead of ${allowed.code}: ${e.message}`);
      } else if (!((e.code === 'MP101' || e.code === 'MP102') && COPIED.test(e.message))) {
        wrong.push(`${n}: ${e.code} ${e.message}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no documented form fails that ecelerity reads: dictionaries without =, scopes written Name = {', () => {
    const forms = [...outcomes.entries()].filter(([n]) => {
      const t = fs.readFileSync(path.join(CORPUS, n), 'utf8');
      return /^\s*[A-Za-z_:0-9]+\s+\[/m.test(t) || /^\s*[A-Za-z_]+\s*=\s*("[^"]*"\s*)?\{/m.test(t);
    });
    expect(forms.length).toBeGreaterThanOrEqual(12);
    expect(forms.filter(([, o]) => o.error && !COPIED.test(o.error.message)).map(([n, o]) => `${n}: ${o.error?.message}`)).toEqual([]);
  });

  it('every path a read snippet names in a path-naming option is in paths', () => {
    const missing: string[] = [];
    let values = 0;
    for (const [n, o] of outcomes) {
      if (!o.cfg || FRAGMENTS[n] !== undefined) continue;
      const have = new Set(o.cfg.paths.map((p) => p.path));
      for (const v of pathValues(fs.readFileSync(path.join(CORPUS, n), 'utf8'))) {
        values++;
        if (!have.has(v.path)) missing.push(`${n}:${v.where} (expected ${v.path})`);
      }
    }
    expect(missing).toEqual([]);
    expect(values).toBeGreaterThan(200);
  });

  it('the fragments excluded above really hold path values that are not read (the exclusions are needed)', () => {
    for (const n of Object.keys(FRAGMENTS)) {
      const o = outcomes.get(n);
      expect(o?.cfg, n).toBeDefined();
      const have = new Set(o?.cfg?.paths.map((p) => p.path));
      const values = pathValues(fs.readFileSync(path.join(CORPUS, n), 'utf8'));
      expect(values.some((v) => !have.has(v.path)), n).toBe(true);
    }
  });

  it('reads no Security user or group other than the documented default or the one the snippet names', () => {
    for (const [n, o] of outcomes) {
      if (!o.cfg) continue;
      const u = o.cfg.security.user;
      if (u.source === 'default') expect(u.name, n).toBe('ecuser');
      else expect(fs.readFileSync(path.join(CORPUS, n), 'utf8').toLowerCase(), n).toContain(u.name.toLowerCase());
    }
  });
});
