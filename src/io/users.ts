import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { FsLike, Root } from './fs.js';
import { hostPath } from './fs.js';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
}
export interface GroupEntry {
  name: string;
  gid: number;
  /** The group's member list (group(5)'s fourth field); empty when unknown. */
  members?: string[];
}

/**
 * The user database, behind one narrow interface so that the core never calls getent directly.
 * Lookups are cached: the walk asks about the same few ids millions of times.
 */
export interface UserDb {
  userByName(name: string): UserEntry | undefined;
  userById(uid: number): UserEntry | undefined;
  groupByName(name: string): GroupEntry | undefined;
  groupById(gid: number): GroupEntry | undefined;
  /** Where answers come from, for messages: `/srv/x/etc/passwd`, `nss`. */
  readonly describe: string;
}

/** Parse passwd(5) text. Comments, blank lines and NIS `+`/`-` lines are skipped. */
export function parsePasswd(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[0] && /^\d+$/.test(f[2] ?? '') && /^\d+$/.test(f[3] ?? '')) out.push({ name: f[0], uid, gid });
  }
  return out;
}

/** Parse group(5) text, with the same skipping rules as parsePasswd. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f[0] && /^\d+$/.test(f[2] ?? '')) out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') });
  }
  return out;
}

function readOr(fs: FsLike, p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** A user database read from `ROOT/etc/passwd` and `ROOT/etc/group` (used under --root). First entry wins, as in libc. */
export function filesUserDb(fs: FsLike, root: Root): UserDb {
  const users = parsePasswd(readOr(fs, hostPath(root, '/etc/passwd')));
  const groups = parseGroup(readOr(fs, hostPath(root, '/etc/group')));
  const uByName = new Map<string, UserEntry>();
  const uById = new Map<number, UserEntry>();
  for (const u of users) {
    if (!uByName.has(u.name)) uByName.set(u.name, u);
    if (!uById.has(u.uid)) uById.set(u.uid, u);
  }
  const gByName = new Map<string, GroupEntry>();
  const gById = new Map<number, GroupEntry>();
  for (const g of groups) {
    if (!gByName.has(g.name)) gByName.set(g.name, g);
    if (!gById.has(g.gid)) gById.set(g.gid, g);
  }
  return {
    describe: `${hostPath(root, '/etc/passwd')}, ${hostPath(root, '/etc/group')}`,
    userByName: (n) => uByName.get(n),
    userById: (id) => uById.get(id),
    groupByName: (n) => gByName.get(n),
    groupById: (id) => gById.get(id),
  };
}

/**
 * One getent(1) answer, or undefined. `--` ends getent's options: without it `user = "-sfiles"` (the
 * configuration is the service account's to edit) was read as the option `-s files`, getent listed the whole
 * database, and its first line, root's, made the service user uid 0. The answer must also be about the key
 * asked (its name, or its id for a numeric key): anything else is no answer.
 */
/**
 * How long the name service may take, per lookup and in all, in one run. The configuration chooses what is
 * looked up (`supplemental_groups` with thousands of ids held a hook 12 s, one getent each; an LDAP or sssd
 * server that does not answer would hold it for its full timeout each time): past the budget, the files
 * answer alone, and the hook is never held for long inside a package transaction.
 */
const GETENT_TIMEOUT_MS = 3000;
const GETENT_BUDGET_MS = 10_000;
let getentSpent = 0;
const GETENT = ['/usr/bin/getent', '/bin/getent'].find((p) => fs.existsSync(p)) ?? '/usr/bin/getent';

function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  if (key === '' || /[\s:]/.test(key)) return undefined;
  if (getentSpent >= GETENT_BUDGET_MS) return undefined;
  const started = Date.now();
  try {
    // By absolute path: a getent first on root's PATH (a run by hand) would be run as root. SIGKILL: a
    // lookup past its time is ended, whatever it does with SIGTERM.
    const out = execFileSync(GETENT, [db, '--', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: GETENT_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const lines = out.split('\n').filter((l) => l !== '');
    if (lines.length !== 1) return undefined;
    const f = (lines[0] as string).split(':');
    const about = /^\d+$/.test(key) ? f[2] === key : f[0] === key;
    return about ? f : undefined;
  } catch {
    // getent exits 2 when the key is not found; a missing getent falls back to the files.
    return undefined;
  } finally {
    getentSpent += Date.now() - started;
  }
}

/**
 * The system's name service through getent(1), so that LDAP and sssd users resolve, with /etc/passwd and
 * /etc/group as fallback. Every answer, including "no such id", is cached.
 */
export function nssUserDb(fs: FsLike): UserDb {
  const files = filesUserDb(fs, { dir: '/' });
  const cache = new Map<string, UserEntry | GroupEntry | undefined>();
  const memo = <T extends UserEntry | GroupEntry>(k: string, f: () => T | undefined): T | undefined => {
    if (cache.has(k)) return cache.get(k) as T | undefined;
    const v = f();
    cache.set(k, v);
    return v;
  };
  const user = (key: string): UserEntry | undefined => {
    const f = getent('passwd', key);
    return f && f[0] ? { name: f[0], uid: Number(f[2]), gid: Number(f[3]) } : undefined;
  };
  const group = (key: string): GroupEntry | undefined => {
    const f = getent('group', key);
    return f && f[0] ? { name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') } : undefined;
  };
  return {
    describe: 'the system name service (getent), then /etc/passwd and /etc/group',
    // getent accepts numeric keys as ids; a name that is all digits is looked up by name through the files only.
    userByName: (n) => memo(`un:${n}`, () => (/^\d+$/.test(n) ? undefined : user(n)) ?? files.userByName(n)),
    userById: (id) => memo(`ui:${id}`, () => user(String(id)) ?? files.userById(id)),
    groupByName: (n) => memo(`gn:${n}`, () => (/^\d+$/.test(n) ? undefined : group(n)) ?? files.groupByName(n)),
    groupById: (id) => memo(`gi:${id}`, () => group(String(id)) ?? files.groupById(id)),
  };
}

/** Under --root the files of that root are the only truth; otherwise the name service. */
export function userDbFor(fs: FsLike, root: Root): UserDb {
  return root.dir === '/' ? nssUserDb(fs) : filesUserDb(fs, root);
}
