#!/usr/bin/env node
// The configuration reader's budget: a directory of N empty .conf files included K times, as whoever can edit
// ecelerity.conf could write it. Times `momentum-perms config --json --root` and shows its peak RSS (from
// /usr/bin/time, when installed). The reader stops with MP104 once 10,000 files are loaded.
//
//   node bench/config-includes.mjs [--files N] [--includes K] [--runs R]
//
// --files N     files in the included directory (default 5,000)
// --includes K  include statements naming it (default 1,000)
// --runs R      timed runs (default 3; the median is shown)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'momentum-perms.js');

function parseArgs(argv) {
  const o = { files: 5_000, includes: 1_000, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 1) {
      console.error(`${a} needs a positive whole number`);
      process.exit(2);
    }
    if (a === '--files') o.files = v;
    else if (a === '--includes') o.includes = v;
    else if (a === '--runs') o.runs = v;
    else {
      console.error(`unknown option ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-bench-config-'));
try {
  const def = path.join(root, 'opt/msys/ecelerity/etc/conf/default');
  fs.mkdirSync(path.join(def, 'many'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'ecuser:x:500:500::/:/bin/false\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'ecuser:x:500:\n');
  for (let i = 0; i < o.files; i++) fs.writeFileSync(path.join(def, 'many', `${i}.conf`), '');
  fs.writeFileSync(path.join(def, 'ecelerity.conf'), 'Security { user = ecuser }\n' + 'include "many"\n'.repeat(o.includes));

  const time = fs.existsSync('/usr/bin/time');
  const runs = [];
  for (let r = 0; r < o.runs; r++) {
    const args = [cli, 'config', '--json', '--root', root, '--node', 'bench'];
    const t0 = process.hrtime.bigint();
    const p = time
      ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = /maxrss_kb=(\d+)/.exec(p.stderr ?? '')?.[1];
    const code = /error (MP\d+)/.exec(p.stderr ?? '')?.[1] ?? `status ${p.status}`;
    runs.push({ s, rss: rss ? Number(rss) / 1024 : null, code });
  }
  runs.sort((a, b) => a.s - b.s);
  const m = runs[Math.floor(runs.length / 2)];
  const rss = m.rss === null ? 'peak RSS not measured (no /usr/bin/time)' : `peak RSS ${m.rss.toFixed(0)} MB`;
  console.log(`${o.includes} includes of a ${o.files}-file directory: ${m.s.toFixed(2)} s (median of ${o.runs}), ${rss}, ended with ${m.code}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
