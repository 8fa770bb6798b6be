/** Builders for real-disk audit tests: a temporary root with its own passwd, group and ecelerity.conf. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from '../support/root.js';

export { asRoot } from '../support/root.js';

export interface FakeRoot {
  dir: string;
  host(p: string): string;
  /** Create a directory or file (parents as root 0755), then set owner and exact mode. */
  dir_(p: string, uid: number, gid: number, mode: number): void;
  file(p: string, uid: number, gid: number, mode: number, text?: string): void;
  cleanup(): void;
}

export const CONF_PATH = '/opt/msys/ecelerity/etc/conf/default/ecelerity.conf';

export function fakeRoot(passwd: string, group: string, conf: string): FakeRoot {
  const t = tempDir('audit', 0o755);
  const dir = t.dir;
  const host = t.h;
  const parents = (p: string): void => void fs.mkdirSync(path.dirname(host(p)), { recursive: true, mode: 0o755 });
  const set = (p: string, uid: number, gid: number, mode: number): void => {
    fs.lchownSync(host(p), uid, gid);
    fs.chmodSync(host(p), mode);
  };
  const r: FakeRoot = {
    dir,
    host,
    dir_(p, uid, gid, mode) {
      parents(p);
      fs.mkdirSync(host(p), { recursive: true });
      set(p, uid, gid, mode);
    },
    file(p, uid, gid, mode, text = '') {
      parents(p);
      fs.writeFileSync(host(p), text);
      set(p, uid, gid, mode);
    },
    cleanup: t.cleanup,
  };
  r.file('/etc/passwd', 0, 0, 0o644, passwd);
  r.file('/etc/group', 0, 0, 0o644, group);
  r.file(CONF_PATH, 0, 0, 0o644, conf);
  return r;
}

export const BASIC_CONF = `Security {
  user = "ecuser"
  group = "ecuser"
}
spoolbase = "/var/spool/ecelerity"
`;
