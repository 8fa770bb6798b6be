/**
 * A service account re-created between the snapshot and now (a package's preinst that deletes and adds
 * `ecuser` again gets a new uid): every file the old uid owned is now an orphan. This module decides, from
 * the snapshot's header and the user database, which old id stands for which new one. Pure.
 */
import type { UserDb } from '../io/users.js';
import type { SnapshotHeader } from '../snapshot/format.js';

/** One id to carry over: entries owned by `from` go to `to`. */
export interface IdMove {
  from: number;
  to: number;
}

export interface AccountChanges {
  uid: IdMove | null;
  gid: IdMove | null;
  /**
   * One line per change, for a person: what changed and what fix does about it. `owned` counts the
   * entries the audit saw still owned by the old id (by the old group id for a group).
   */
  notices(owned: { uid: number; gid: number }): string[];
}

type Who = { name: string; id: number };

function describe(kind: 'user' | 'group', was: Who, now: Who): string {
  return was.name === now.name
    ? `${kind} ${now.name} was re-created: id ${was.id} in the snapshot, ${now.id} now`
    : `${kind} changed from ${was.name} (${was.id}) in the snapshot to ${now.name} (${now.id})`;
}

/**
 * Decide one id move. The old id is carried over only when nobody owns it now: if another account has
 * taken it, its files are that account's, and handing them to the service account would give it files it
 * never had (reported, left to a person).
 */
function decide(
  kind: 'user' | 'group',
  was: Who,
  now: Who,
  holder: string | undefined,
): { move: IdMove | null; notice: ((owned: number) => string) | null } {
  // A snapshot taken while the configuration did not parse knows no account (id -1): nothing to carry over.
  if (was.id === now.id || was.id < 0) return { move: null, notice: null };
  const head = describe(kind, was, now);
  // Only a re-created account moves ids: the same name, resolved through the passwd or group database, with
  // another id now. The names come from ecelerity.conf, which the service account edits: with `user = "1234"`
  // while the snapshot is taken and `ecuser` after, it would otherwise have every file of an orphaned uid
  // 1234 (root's binaries in a tarball install, say) handed to it. A change of name, or a bare number, is
  // reported and left to a person.
  if (was.name !== now.name || /^\d+$/.test(was.name)) {
    return { move: null, notice: (n) => `${head}; its ${n} entries are left as they are (only a re-created account of the same name is carried over)` };
  }
  if (holder !== undefined) {
    return {
      move: null,
      notice: (n) => `${head}; id ${was.id} now belongs to ${holder}: its ${n} entries are left as they are`,
    };
  }
  const db = kind === 'user' ? 'passwd' : 'group';
  return {
    move: { from: was.id, to: now.id },
    notice: (n) => `${head}; ${n} entries still owned by ${was.id} (no ${db} entry now) go to ${now.name} (${now.id}) on fix`,
  };
}

/** Compare the snapshot's Security user and group with the ones bound now. */
export function accountChanges(
  header: Pick<SnapshotHeader, 'user' | 'group'>,
  now: { user: Who; group: Who },
  users: UserDb,
): AccountChanges {
  const u = decide('user', header.user, now.user, users.userById(header.user.id)?.name);
  const g = decide('group', header.group, now.group, users.groupById(header.group.id)?.name);
  return {
    uid: u.move,
    gid: g.move,
    notices: (owned) => {
      const out: string[] = [];
      if (u.notice) out.push(u.notice(owned.uid));
      if (g.notice) out.push(g.notice(owned.gid));
      return out;
    },
  };
}

/** Apply a move to one id. */
export function moveId(id: number, move: IdMove | null): number {
  return move !== null && id === move.from ? move.to : id;
}
