/**
 * The built-in example: a small Momentum 4.x install in a directory, with its own passwd and group files
 * and a few kinds of drift planted on purpose, for `momentum-perms example` and for trying fix and undo
 * without touching a real install.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** The install, parents before children. Modes are exact: the umask does not apply (chmod after create). */
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

/**
 * Build the example install in `dir` (which must exist and be empty). Ownership is real when the ids
 * differ from the current user's (root only); modes are set exactly with chmod.
 */
export function buildExample(dir: string, ids: ExampleIds = exampleIds()): Example {
  const host = (p: string): string => path.join(dir, p);
  const drift: PlantedDrift[] = [];
  const chown = ids.rootUid !== ids.userUid || ids.rootGid !== ids.userGid;
  for (const it of layout()) {
    const p = host(it.path);
    if (it.text === undefined) fs.mkdirSync(p, { mode: 0o700 });
    else fs.writeFileSync(p, it.text, { mode: 0o600 });
    const [uid, gid] = it.owner === 'root' ? [ids.rootUid, ids.rootGid] : [ids.userUid, ids.userGid];
    if (chown) fs.chownSync(p, uid, gid);
    fs.chmodSync(p, it.mode);
    // Without root, a file cannot be given to root: that drift is left out rather than faked.
    if (it.drift !== undefined && (chown || it.needsRoot !== true)) drift.push({ path: it.path, what: it.drift });
  }
  fs.writeFileSync(
    host('/etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\n' +
      `ecuser:x:${ids.userUid}:${ids.userGid}:Momentum:/opt/msys/ecelerity:/sbin/nologin\n`,
    { mode: 0o644 },
  );
  fs.writeFileSync(host('/etc/group'), `root:x:0:\necuser:x:${ids.userGid}:\n`, { mode: 0o644 });
  return { dir, ids, drift };
}
