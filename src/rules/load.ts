/**
 * Reading the rule layers: the rules shipped with the package for the Momentum version, the administrator's
 * local file (under --root, like every path the tool reads), then `--rules FILE`. Later layers win.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MpError } from '../errors.js';
import { errnoOf, hostPath, realFs, type FsLike, type Root } from '../io/fs.js';
import { openJudged, TRUST_HINT } from '../io/trust.js';
import { readAllFd } from '../io/safe-open.js';
import { LOCAL_RULES } from '../settings.js';
import { parseRules } from './parse.js';
import type { RuleOrigin, RuleSet } from './types.js';

// The default location of the administrator's rules is a setting.
export { LOCAL_RULES };

/**
 * The package's rules directory. This module sits at the same depth in src/ (tests), dist/ (the built
 * package) and dist/bundle/ (the CLI's bundle, bundle/build.mjs), so one relative URL finds `rules/` from
 * all three.
 */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export interface LoadRulesOptions {
  version: '3.x' | '4.x';
  /** The local rules file, a Momentum path (read under root); absent is fine. Default LOCAL_RULES. */
  localRules?: string;
  /** `--rules FILE`: a path on this machine, not under root (the administrator names it directly). */
  rulesFile?: string;
  /** Where the shipped rules are (tests); default SHIPPED_RULES_DIR, read from the real disk. */
  shippedDir?: string;
}

/** A rules file, and why it is not root's alone when it was read from the real disk (null: it is). */
interface Read {
  text: string;
  untrusted?: string | null;
}

/** The largest rules file read: the shipped ones are a few kilobytes. */
export const RULES_MAX_BYTES = 4 * 1024 * 1024;

function cannotRead(p: string, why: string): MpError {
  return new MpError('MP200', `cannot read rules file ${p}: ${why}`);
}

/**
 * Read a rules file from the real disk through openJudged: a FIFO or a device in place of a rules file
 * would block or never end, so nothing but a regular file is opened; and whether root alone could have
 * written it is judged on the descriptor the text is read from (a file swapped after the check is not
 * what is read).
 */
function readJudged(p: string): Read | undefined {
  const j = openJudged(p);
  if (j.fd === null) {
    if (j.errno === 'ENOENT' || j.errno === 'ENOTDIR') return undefined;
    if (j.type === 'dir') throw cannotRead(p, 'EISDIR');
    if (j.type !== undefined) throw cannotRead(p, 'not a regular file');
    throw cannotRead(p, j.errno ?? j.why);
  }
  try {
    // At most RULES_MAX_BYTES, whoever owns the file: a rules file another account can redirect (the case
    // MP203 refuses later) could otherwise be a file of gigabytes, read whole by every root run first.
    const buf = readAllFd(j.fd, j.st.size, RULES_MAX_BYTES);
    if (buf === null) throw cannotRead(p, `larger than ${RULES_MAX_BYTES} bytes`);
    // Longer than fstat said: written to while read; never parse the part of a file that was read.
    if (buf.length > j.st.size) throw cannotRead(p, 'it changed while it was read');
    return { text: buf.toString('utf8'), untrusted: j.why };
  } catch (e) {
    if (e instanceof MpError) throw e;
    throw cannotRead(p, errnoOf(e) ?? String(e));
  } finally {
    nodeFs.closeSync(j.fd);
  }
}

function read(fs: FsLike, p: string): Read | undefined {
  if (fs === realFs) return readJudged(p);
  try {
    // A FIFO or a device in place of a rules file would block or never end: never opened (a directory
    // fails with EISDIR).
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    if (st.isFile() || st.isDirectory()) return { text: fs.readFileSync(p, 'utf8') };
  } catch (e) {
    const errno = errnoOf(e);
    if (errno === undefined) throw e;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return undefined;
    throw cannotRead(p, errno);
  }
  throw cannotRead(p, 'not a regular file');
}

/**
 * Read and parse the rule layers. Throws MpError: MP204 when the package has no rules for the version,
 * MP200 when `--rules FILE` does not exist or a rules file cannot be read, MP201/MP202 for invalid rules.
 */
export function loadRules(fs: FsLike, root: Root, opts: LoadRulesOptions): RuleSet {
  const set: RuleSet = { version: opts.version, files: [], trees: [], rules: [] };
  const add = (read: Read, shown: string, origin: RuleOrigin, host: string): void => {
    const r = parseRules(read.text, shown, origin);
    set.files.push({ path: shown, origin, host });
    if (read.untrusted !== undefined) (set.untrusted ??= new Map()).set(host, read.untrusted);
    set.trees.push(...r.trees);
    set.rules.push(...r.rules);
  };

  const dir = opts.shippedDir ?? SHIPPED_RULES_DIR;
  const shippedHost = path.join(dir, `${opts.version}.rules`);
  const shipped = read(nodeFs as unknown as FsLike, shippedHost);
  if (shipped === undefined) throw new MpError('MP204', `no rule set for Momentum ${opts.version}: ${shippedHost} is missing`);
  add(shipped, `rules/${opts.version}.rules`, 'shipped', shippedHost);

  const local = path.posix.resolve('/', opts.localRules ?? LOCAL_RULES);
  const localHost = hostPath(root, local);
  const localText = read(fs, localHost);
  if (localText !== undefined) {
    // The local rules decide what every command reports, not only what fix changes: one the service
    // account can edit (or redirect) could declare its own drift compliant (`/opt/msys/ecelerity/sbin/**
    // owner=$user`) and the audit would say all is well. `fix` refused such a file; now every command does.
    const why = localText.untrusted ?? null;
    if (why !== null) {
      throw new MpError('MP203', `rules file ${local} ${why}: not trusted`, { notes: [TRUST_HINT] });
    }
    add(localText, local, 'local', localHost);
  }

  if (opts.rulesFile !== undefined) {
    const cli = path.resolve(opts.rulesFile);
    const text = read(fs, cli);
    if (text === undefined) throw new MpError('MP200', `rules file not found: ${cli} (given with --rules)`);
    add(text, cli, 'cli', cli);
  }
  return set;
}
