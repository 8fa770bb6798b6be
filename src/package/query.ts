/**
 * Reading what Momentum's packages declare: one `rpm -qa --qf` query per run, through the `rpm` program
 * itself (never a parser of rpm's database files, whose format changes between rpm versions and hosts).
 *
 * rpm writes its answer to a file in a private temporary directory, and the answer is read back in
 * fixed-size chunks, record by record: only the records of files inside the declared trees are kept, so
 * memory does not grow with what other packages install.
 */
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { hostPath, realFs, type FsLike, type Root } from '../io/fs.js';
import type { EntryType } from '../types.js';

/** RPMFILE_* bits of FILEFLAGS (rpm's rpmfiles.h; stable since rpm 4.0). */
export const RPMFILE_CONFIG = 1;
export const RPMFILE_DOC = 2;
export const RPMFILE_MISSINGOK = 8;
export const RPMFILE_NOREPLACE = 16;
export const RPMFILE_GHOST = 64;

/** One file record of a package, as rpm declares it. */
export interface PackageFile {
  /** Momentum path. */
  path: string;
  /** `msys-ecelerity-4.2.38-1.x86_64`. */
  nevra: string;
  type: EntryType;
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  /** Owner and group names as the package declares them. */
  user: string;
  group: string;
  /** FILEFLAGS: RPMFILE_CONFIG, RPMFILE_GHOST, … */
  flags: number;
  /** The audit met this path during its walk (set by the package check; a run-local mark). */
  seen: boolean;
  /**
   * A small number shared by every file with the same package, type, mode, owner, group and flags: the
   * package check caches its expectation per directory and declaration with it.
   */
  decl: number;
}

/** Where the records come from. */
export interface PackageSourceInfo {
  rpm: string;
  /** The database directory, a Momentum path under --root. */
  dbpath: string;
}

/** The outcome of reading: the records, or why the layer is absent. */
export type PackageRead =
  | { present: true; source: PackageSourceInfo; files: Map<string, PackageFile>; packages: string[]; records: number }
  | { present: false; reason: string };

export interface PackageOptions {
  /** `false` turns the layer off (`--no-packages`); a path names the rpm program (default: /usr/bin/rpm, /bin/rpm). */
  rpm?: string | false;
  /** The rpm database directory under --root (`--rpm-dbpath`); default the first of DB_PATHS that holds a database. */
  dbpath?: string;
}

/**
 * Where rpm keeps its database: RHEL 9 and Fedora in /usr/lib/sysimage/rpm (with /var/lib/rpm a link to it),
 * RHEL 7/8 in /var/lib/rpm. Debian's rpm defaults to ~/.rpmdb, so the path is always passed with --dbpath.
 */
export const DB_PATHS = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'];
/** Files that make a directory an rpm database (sqlite, ndb, Berkeley DB backends). */
const DB_FILES = ['rpmdb.sqlite', 'Packages.db', 'Packages'];
/**
 * Fixed places for the rpm program. Not looked up on PATH: as root, a directory on PATH that someone else
 * can write would let them plant an `rpm` that answers with expectations of their choosing.
 */
const RPM_PROGRAMS = ['/usr/bin/rpm', '/bin/rpm'];

/** One record per file: a marker, the package, mode (octal), user, group, flags, and the name last (it may hold tabs). */
export const QUERY_FORMAT = '[@\\t%{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}\\t%{FILEMODES:octal}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEFLAGS}\\t%{FILENAMES}\\n]';

const S_IFMT = 0o170000;
const TYPES: Record<number, EntryType> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o010000: 'fifo',
  0o140000: 'socket',
  0o020000: 'char',
  0o060000: 'block',
};

/**
 * Only root may be able to change what the layer expects: a database directory or file that another account
 * can write would let that account (a compromised ecuser) declare root's binaries its own, and a fix would
 * then hand them over.
 */
function untrusted(fs: FsLike, host: string): string | null {
  const st = fs.lstatSync(host, { throwIfNoEntry: false });
  if (st === undefined) return null;
  if (st.uid !== 0) return `owned by uid ${st.uid}, not root`;
  if ((st.mode & 0o022) !== 0 && !(st.isSymbolicLink())) return `writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return null;
}

function findDb(fs: FsLike, root: Root, asked: string | undefined): { dbpath: string } | { reason: string } {
  const candidates = asked !== undefined ? [path.posix.resolve('/', asked)] : DB_PATHS;
  for (const c of candidates) {
    const host = hostPath(root, c);
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    // A link (RHEL 9's /var/lib/rpm) would be resolved on this machine, not under --root: the real directory is listed too.
    if (st === undefined || !st.isDirectory()) continue;
    const db = DB_FILES.find((f) => fs.lstatSync(path.join(host, f), { throwIfNoEntry: false })?.isFile());
    if (db === undefined) continue;
    const bad = untrusted(fs, host) ?? untrusted(fs, path.join(host, db));
    if (bad !== null) return { reason: `the rpm database ${c} is not trusted: ${bad}` };
    return { dbpath: c };
  }
  return { reason: asked !== undefined ? `no rpm database in ${candidates[0]}` : `no rpm database (looked in ${DB_PATHS.join(', ')})` };
}

/** Where the name starts in a record line (after the fifth tab), or -1 when it is not a record. */
function nameStart(line: string): number {
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const tab = line.indexOf('\t', at);
    if (tab < 0) return -1;
    at = tab + 1;
  }
  return at;
}

type Declaration = Omit<PackageFile, 'path' | 'seen'>;

/** Parse the fields before the name (package, mode, user, group, flags); null when invalid. */
function parseDeclaration(head: string, decl: number): Declaration | null {
  const [nevra, modeText, user, group, flagsText] = head.split('\t', 5) as [string, string, string, string, string];
  if (!/^[0-7]+$/.test(modeText) || !/^\d+$/.test(flagsText)) return null;
  const full = parseInt(modeText, 8);
  const type = TYPES[full & S_IFMT];
  if (type === undefined) return null;
  return { nevra, type, mode: full & 0o7777, user, group, flags: Number(flagsText), decl };
}

/**
 * rpm -qa's selectors for the packages that can have files in `trees`: those with a directory inside a tree
 * (`dirnames=/opt/msys/ecelerity/*`) or holding the tree itself (`dirnames=/opt/msys/`). rpm joins patterns on
 * one tag with "or", and skips every other package before formatting a record, so a host's thousands of other
 * packages cost the query little. rpm reads the patterns as globs made into regular expressions: a tree
 * with another character than letters, digits, `_`, `-`, `.` and `/` makes the query ask for every package.
 */
export function selectors(trees: readonly string[]): string[] {
  if (trees.length === 0 || !trees.every((t) => /^\/[A-Za-z0-9_./-]*$/.test(t))) return [];
  const out = new Set<string>();
  for (const t of trees) {
    if (t === '/') return [];
    out.add(`dirnames=${t}/*`);
    out.add(`dirnames=${path.posix.dirname(t).replace(/\/?$/, '/')}`);
  }
  return [...out];
}

/**
 * Read the file records of the installed packages under `root` (those `select` names, see `selectors`; every
 * package when empty), keeping those `keep` accepts. Never throws for a missing rpm, database or query
 * failure: the layer is then absent, with the reason.
 */
export function readPackages(fs: FsLike, root: Root, keep: (p: string) => boolean, opts: PackageOptions = {}, select: readonly string[] = []): PackageRead {
  if (opts.rpm === false) return { present: false, reason: 'turned off (--no-packages)' };
  // rpm reads the real disk: an install given through another filesystem (memfs in tests) has no package layer.
  if (fs !== realFs) return { present: false, reason: 'the install is not read from the real disk' };
  const rpm = opts.rpm ?? RPM_PROGRAMS.find((p) => nodeFs.existsSync(p));
  if (rpm === undefined) return { present: false, reason: `no rpm program (looked for ${RPM_PROGRAMS.join(', ')})` };
  if (!nodeFs.existsSync(rpm)) return { present: false, reason: `no rpm program at ${rpm}` };
  const db = findDb(fs, root, opts.dbpath);
  if ('reason' in db) return { present: false, reason: db.reason };

  // A private directory (mode 0700, a fresh name) holds rpm's answer: nobody else can swap or read it.
  const tmp = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'momentum-perms-rpm-'));
  const out = path.join(tmp, 'files');
  const fd = nodeFs.openSync(out, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT | nodeFs.constants.O_EXCL | nodeFs.constants.O_NOFOLLOW, 0o600);
  try {
    const r = spawnSync(rpm, ['--root', root.dir, '--dbpath', db.dbpath, '-qa', '--qf', QUERY_FORMAT, ...select], {
      stdio: ['ignore', fd, 'pipe'],
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      maxBuffer: 1 << 20,
    });
    if (r.error !== undefined) return { present: false, reason: `rpm could not be run: ${r.error.message}` };
    if (r.status !== 0) {
      const msg = r.stderr.toString('utf8').trim().split('\n').filter((l) => !/should not be used directly|assuming you know/.test(l)).join('; ');
      return { present: false, reason: `rpm -qa failed (status ${r.status ?? r.signal}): ${msg.slice(0, 300)}` };
    }
    return parseOutput(fd, keep, { rpm, dbpath: db.dbpath });
  } finally {
    nodeFs.closeSync(fd);
    nodeFs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Read rpm's answer in chunks; a line without the marker continues the previous name (a newline in a name). */
function parseOutput(fd: number, keep: (p: string) => boolean, source: PackageSourceInfo): PackageRead {
  const files = new Map<string, PackageFile>();
  const packages = new Set<string>();
  const momentum = new Set<string>();
  let records = 0;
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = 0;
  let carry = '';
  let pending: string | null = null;
  // A chunk may end inside a multi-byte character: the decoder carries it over.
  const decoder = new StringDecoder('utf8');
  // Files declared alike (most of a package) share one parse of their declaration.
  const decls = new Map<string, Declaration | null>();
  // rpm prints a package's records together: the package is looked at once, when it changes.
  let nevra = '';
  let nevraKept = false;
  // Most records belong to other packages and other places: only the name is looked at before `keep`.
  const flush = (): void => {
    if (pending === null) return;
    const line: string = pending;
    pending = null;
    const at = nameStart(line);
    if (at < 0) return;
    records++;
    if (!(line.charCodeAt(nevra.length) === 9 && line.startsWith(nevra))) {
      nevra = line.slice(0, line.indexOf('\t'));
      nevraKept = false;
      if (nevra.startsWith('msys-')) momentum.add(nevra);
    }
    const name = line.slice(at);
    // A path two packages own (a shared directory): the first record stands for both.
    if (!keep(name) || files.has(name)) return;
    const head = line.slice(0, at);
    let d = decls.get(head);
    if (d === undefined) decls.set(head, (d = parseDeclaration(head, decls.size)));
    if (d === null || !name.startsWith('/')) return;
    if (!nevraKept) packages.add(d.nevra);
    nevraKept = true;
    files.set(name, { path: name, nevra: d.nevra, type: d.type, mode: d.mode, user: d.user, group: d.group, flags: d.flags, seen: false, decl: d.decl });
  };
  const line = (l: string): void => {
    if (l.startsWith('@\t')) {
      flush();
      pending = l.slice(2);
    } else if (pending !== null) pending += '\n' + l;
  };
  for (;;) {
    const n = nodeFs.readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    pos += n;
    const text = carry + decoder.write(buf.subarray(0, n));
    let at = 0;
    for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
      line(text.slice(at, nl));
      at = nl + 1;
    }
    carry = text.slice(at);
  }
  carry += decoder.end();
  if (carry !== '') line(carry);
  flush();
  for (const m of momentum) packages.add(m);
  if (files.size === 0) {
    return { present: false, reason: `no Momentum package in the rpm database ${source.dbpath} (no package has files in the declared trees)` };
  }
  return { present: true, source, files, packages: [...packages].sort(), records };
}
