/**
 * POSIX access ACLs for the real-disk suites, through python3's os.setxattr (Node has no xattr calls, and the
 * acl package's setfacl is not always installed). The file system below the temporary directory must support
 * them (ext4, XFS, tmpfs do): a failure is thrown, never skipped.
 */
import { execFileSync } from 'node:child_process';

const PY = `
import os, struct, sys, json
p, spec = sys.argv[1], json.loads(sys.argv[2])
e = lambda tag, perm, id=0xffffffff: struct.pack('<HHI', tag, perm, id)
b = struct.pack('<I', 2) + e(1, spec['owner'])
for uid, perm in spec['users']: b += e(2, perm, uid)
b += e(4, spec['group'])
for gid, perm in spec['groups']: b += e(8, perm, gid)
b += e(0x10, spec['mask']) + e(0x20, spec['other'])
os.setxattr(p, 'system.posix_acl_access', b)
`;

export interface Acl {
  /** Named users: [uid, rwx bits]. */
  users?: [number, number][];
  /** Named groups: [gid, rwx bits]. */
  groups?: [number, number][];
  /** The mask: the group bits the mode shows from now on (default rwx). */
  mask?: number;
  /** The owner's, the owning group's and everyone's bits (default 7, 5, 5). */
  owner?: number;
  group?: number;
  other?: number;
}

/** Give the host path `p` an access ACL (the kernel sets the mode's group bits to its mask). */
export function setAcl(p: string, a: Acl): void {
  const spec = { users: a.users ?? [], groups: a.groups ?? [], mask: a.mask ?? 7, owner: a.owner ?? 7, group: a.group ?? 5, other: a.other ?? 5 };
  // Entries sorted by id within their tag, as the kernel requires.
  spec.users.sort((x, y) => x[0] - y[0]);
  spec.groups.sort((x, y) => x[0] - y[0]);
  execFileSync('/usr/bin/python3', ['-c', PY, p, JSON.stringify(spec)]);
}
