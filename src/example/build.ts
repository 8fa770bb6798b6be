/**
 * The built-in example: a small Momentum 4.x install in a directory, with its own passwd and group files
 * and a few kinds of drift planted on purpose, for `momentum-perms example` and for trying fix and undo
 * without touching a real install.
 */
import * as fs from 'node:fs';
import { MpError } from '../errors.js';
import { errnoOf, fdPath } from '../io/fd.js';

/** Who owns what in the example: root's ids and the service account's. */
export interface ExampleIds {
  /** Ids of "root" in the example: 0 when built as root, else the current user's (chown is not possible). */
  rootUid: number;
  rootGid: number;
  /** Ids named `ecuser` in the example's passwd and group files. */
  userUid: number;
  userGid: number;
}

/** One drift planted on purpose, with what the audit should say about it. */
export interface PlantedDrift {
  path: string;
  what: string;
}

export interface Example {
  dir: string;
  ids: ExampleIds;
  drift: PlantedDrift[];
}

/** The service account's id in the example when built as root (Momentum packages commonly create it as 500). */
const ECUSER_ID = 500;

/** Ids to build with: real ownership as root, the current user for everything otherwise. */
export function exampleIds(): ExampleIds {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return uid === 0
    ? { rootUid: 0, rootGid: 0, userUid: ECUSER_ID, userGid: ECUSER_ID }
    : { rootUid: uid, rootGid: gid, userUid: uid, userGid: gid };
}

const CONF = `# Momentum example configuration (built by momentum-perms example)
Security {
  user = "ecuser"
  group = "ecuser"
}

spoolbase = "/var/spool/ecelerity"

ec_logger "ec_logger" {
  mainlog = "/var/log/ecelerity/mainlog.ec"
  paniclog = "/var/log/ecelerity/paniclog.ec"
}

opendkim "opendkim1" {
  key = "/opt/msys/ecelerity/etc/conf/dkim/%{d}/%{s}.key"
}
`;

type Owner = 'root' | 'user';
interface Item {
  path: string;
  /** Content for a file; undefined for a directory. */
  text?: string;
  owner: Owner;
  mode: number;
  drift?: string;
  /** The drift is a root-owned file where ecuser should own it: only possible when built as root. */
  needsRoot?: boolean;
}

/** The install, parents before children. Modes are exact: the umask does not apply (fchmod after create). */
function layout(): Item[] {
  const dir = (p: string, owner: Owner, mode: number): Item => ({ path: p, owner, mode });
  const file = (p: string, owner: Owner, mode: number, text = '', drift?: string): Item =>
    drift === undefined ? { path: p, text, owner, mode } : { path: p, text, owner, mode, drift };
  const items: Item[] = [
    dir('/etc', 'root', 0o755),
    dir('/opt', 'root', 0o755),
    dir('/opt/msys', 'root', 0o755),
    dir('/opt/msys/ecelerity', 'root', 0o755),
    dir('/opt/msys/ecelerity/bin', 'root', 0o755),
    file('/opt/msys/ecelerity/bin/ec_ctl', 'root', 0o755, '#!/bin/sh\n'),
    file('/opt/msys/ecelerity/bin/ec_rotate', 'root', 0o775, '#!/bin/sh\n', 'run by root from cron, writable by its group'),
    dir('/opt/msys/ecelerity/sbin', 'root', 0o755),
    file('/opt/msys/ecelerity/sbin/ecelerity', 'root', 0o755, '#!/bin/sh\n'),
    file('/opt/msys/ecelerity/sbin/run.ecelerity', 'root', 0o755, '#!/bin/sh\n'),
    dir('/opt/msys/ecelerity/etc', 'root', 0o755),
    file('/opt/msys/ecelerity/etc/license', 'user', 0o640, 'example license\n'),
    dir('/opt/msys/ecelerity/etc/conf', 'user', 0o755),
    dir('/opt/msys/ecelerity/etc/conf/default', 'user', 0o755),
    file('/opt/msys/ecelerity/etc/conf/default/ecelerity.conf', 'user', 0o664, CONF, 'configuration file writable by its group'),
    file('/opt/msys/ecelerity/etc/conf/default/policy.lua', 'user', 0o644, '-- example policy\n'),
    dir('/opt/msys/ecelerity/etc/conf/dkim', 'user', 0o750),
    dir('/opt/msys/ecelerity/etc/conf/dkim/example.com', 'user', 0o750),
    file('/opt/msys/ecelerity/etc/conf/dkim/example.com/mta1.key', 'user', 0o644, '-----BEGIN PRIVATE KEY-----\n(example)\n-----END PRIVATE KEY-----\n', 'DKIM private key readable by everyone'),
    file('/opt/msys/ecelerity/etc/conf/dkim/example.com/mta2.key', 'user', 0o600, '-----BEGIN PRIVATE KEY-----\n(example)\n-----END PRIVATE KEY-----\n'),
    dir('/var', 'root', 0o755),
    dir('/var/spool', 'root', 0o755),
    dir('/var/spool/ecelerity', 'user', 0o750),
    dir('/var/log', 'root', 0o755),
    dir('/var/log/ecelerity', 'user', 0o755),
    file('/var/log/ecelerity/mainlog.ec', 'user', 0o666, '', 'log file writable by everyone'),
    file('/var/log/ecelerity/paniclog.ec', 'user', 0o640),
  ];
  // A few hashed spool directories with two files per message, as Momentum lays them out.
  for (const h of ['A', 'B', 'C', 'D']) {
    items.push(dir(`/var/spool/ecelerity/${h}`, 'user', 0o750));
    for (const m of [1, 2]) {
      for (const s of ['M', 'H']) items.push(file(`/var/spool/ecelerity/${h}/000${m}-${h}.${s}`, 'user', 0o640, 'x'));
    }
  }
  for (const s of ['M', 'H']) {
    items.push({ ...file(`/var/spool/ecelerity/B/0003-B.${s}`, 'root', 0o640, 'x', 'spool file owned by root (left by a root-run tool)'), needsRoot: true });
  }
  return items;
}

const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
// O_EXCL: a name planted in advance (a link to /etc/shadow) makes the create fail; it is never written through.
const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW | fs.constants.O_NOCTTY;

/** One entry the build created: its open descriptor and where it is (the pinned parent and the name). */
interface Made {
  fd: number;
  parentFd: number;
  name: string;
  dev: number;
  ino: number;
  item: Item;
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  for (let n = 0; n < buf.length; ) n += fs.writeSync(fd, buf, n, buf.length - n);
}

/**
 * Remove what the build made, deepest first, through the pinned parent descriptors: only a name that still
 * has the device and inode the build created is removed. Called only before any ownership was given away,
 * when every directory made is root's and 0700, so no other account can have put anything in them.
 */
function removeMade(made: Made[]): void {
  for (let i = made.length - 1; i >= 0; i--) {
    const m = made[i] as Made;
    const at = fdPath(m.parentFd, m.name);
    try {
      const st = fs.lstatSync(at);
      if (st.dev === m.dev && st.ino === m.ino) {
        if (m.item.text === undefined) fs.rmdirSync(at);
        else fs.unlinkSync(at);
      }
    } catch {
      // Best effort: what cannot be removed stays, inside the root-only example directory.
    }
  }
}

/**
 * Build the example install in the directory open as `top` (empty, and writable by root alone when run as
 * root; `dir` names it in messages). Ownership is real when the ids differ from the current user's (root
 * only); modes are set exactly.
 *
 * Every entry is created through the descriptor of its parent (`/proc/self/fd/N/name`, O_EXCL|O_NOFOLLOW),
 * root's and 0700/0600 while the build runs, and its owner and mode are set through its own descriptor
 * only after all content is written, deepest first. Stops: the service account, given a directory early,
 * swapping a name inside it for a link to /etc/shadow so that root writes and chowns the link's target.
 * A failed build removes only what it made, through the same descriptors, before anything was given away.
 */
export function buildExample(top: number, dir: string, ids: ExampleIds = exampleIds()): Example {
  const drift: PlantedDrift[] = [];
  const chown = ids.rootUid !== ids.userUid || ids.rootGid !== ids.userGid;
  const items = layout();
  items.push(
    {
      path: '/etc/passwd',
      text: 'root:x:0:0:root:/root:/bin/sh\n' + `ecuser:x:${ids.userUid}:${ids.userGid}:Momentum:/opt/msys/ecelerity:/sbin/nologin\n`,
      owner: 'root',
      mode: 0o644,
    },
    { path: '/etc/group', text: `root:x:0:\necuser:x:${ids.userGid}:\n`, owner: 'root', mode: 0o644 },
  );
  const dirs = new Map<string, number>([['/', top]]);
  const made: Made[] = [];
  try {
    for (const it of items) {
      const slash = it.path.lastIndexOf('/');
      const parentFd = dirs.get(slash === 0 ? '/' : it.path.slice(0, slash)) as number;
      const name = it.path.slice(slash + 1);
      const at = fdPath(parentFd, name);
      let fd: number;
      if (it.text === undefined) {
        fs.mkdirSync(at, 0o700);
        fd = fs.openSync(at, DIR_FLAGS);
        dirs.set(it.path, fd);
      } else {
        fd = fs.openSync(at, NEW_FILE, 0o600);
      }
      const st = fs.fstatSync(fd);
      made.push({ fd, parentFd, name, dev: st.dev, ino: st.ino, item: it });
      if (it.text !== undefined) writeAll(fd, it.text);
    }
  } catch (e) {
    removeMade(made);
    for (const m of made) fs.closeSync(m.fd);
    throw new MpError('MP305', `cannot build the example in ${dir}: ${errnoOf(e) ?? String(e)}`);
  }
  // Only now, with every file written, is anything given away: children before their directories, each
  // through its own descriptor (a name swapped meanwhile changes nothing), chown before chmod.
  try {
    for (let i = made.length - 1; i >= 0; i--) {
      const m = made[i] as Made;
      const [uid, gid] = m.item.owner === 'root' ? [ids.rootUid, ids.rootGid] : [ids.userUid, ids.userGid];
      if (chown) fs.fchownSync(m.fd, uid, gid);
      fs.fchmodSync(m.fd, m.item.mode);
    }
  } finally {
    for (const m of made) fs.closeSync(m.fd);
  }
  for (const it of items) {
    // Without root, a file cannot be given to root: that drift is left out rather than faked.
    if (it.drift !== undefined && (chown || it.needsRoot !== true)) drift.push({ path: it.path, what: it.drift });
  }
  return { dir, ids, drift };
}
