/**
 * `momentum-perms example`: build a small Momentum install with planted drift in a temporary directory,
 * audit it with `--root`, and remove it (or keep it to try fix and undo on).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExample } from '../example/build.js';
import { shellWord } from '../report/next.js';
import { runAudit } from './audit.js';
import type { Io } from './io.js';
import { MpError } from '../errors.js';

/** `--root DIR` for the example: DIR is created, or must be an empty directory (nothing of the user's is overwritten). */
function emptyDir(dir: string): string {
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  if (fs.readdirSync(abs).length > 0) throw new MpError('MP300', `--root ${abs} is not empty: the example is built only in a new or empty directory`);
  return abs;
}

/**
 * Exit status: 0 when the example was built and audited (its findings are planted on purpose), the audit's
 * own status when it could not examine something (3), and 2 through MpError as everywhere.
 */
export async function runExample(o: { keep?: boolean; json?: boolean; root?: string }, io: Io): Promise<number> {
  const dir = o.root === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-perms-example-')) : emptyDir(o.root);
  // An example built where the user asked is theirs to keep.
  let keep = o.keep === true || o.root !== undefined;
  try {
    const ex = buildExample(dir);
    const c = io.color;
    if (!o.json) {
      const who = ex.ids.userUid === ex.ids.rootUid ? `uid ${ex.ids.userUid} (not root: that uid plays ecuser, and files that should be root's are yours)` : `ecuser = uid ${ex.ids.userUid}, real ownership`;
      io.out(`${c.bold('Example Momentum install')} in ${dir} — ${who}\nPlanted drift:\n`);
      for (const d of ex.drift) io.out(`  ${d.path}  ${c.dim(d.what)}\n`);
      io.out(`\n${c.dim(`$ momentum-perms audit --root ${shellWord(dir)}`)}\n\n`);
    }
    const status = await runAudit(o.json ? { root: dir, format: 'json' } : { root: dir }, io);
    if (!o.json) {
      if (keep) {
        const r = shellWord(dir);
        io.out(
          `\nThe example install is kept in ${dir}. Try:\n` +
            [`momentum-perms audit --root ${r}`, `momentum-perms fix --dry-run --root ${r}`, `momentum-perms fix --root ${r}`, `momentum-perms explain --root ${r} /opt/msys/ecelerity/etc/conf/dkim/example.com/mta1.key`, `rm -rf ${r}`]
              .map((l) => `  ${l}\n`)
              .join(''),
        );
      } else {
        io.out(c.dim('\n(The example install was removed; run `momentum-perms example --keep` to keep it and try the command above.)\n'));
      }
    }
    return status === 1 ? 0 : status;
  } catch (e) {
    keep = false;
    throw e;
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
