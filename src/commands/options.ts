import type { PackageOptions } from '../package/query.js';

/** Options every command takes (README "Commands at a glance"). */
export interface CommonOptions {
  /** `--root DIR`: DIR stands for `/` for every path read or changed. */
  root?: string;
  /** `--config FILE`: the ecelerity.conf to read (a Momentum path). */
  config?: string;
  /** `--node NAME`: the node name for `{NODENAME}` in the 4.x search path. */
  node?: string;
  /** `--rules FILE`: an extra rules file, layered last. */
  rules?: string;
  /** `--local-rules FILE`: the administrator's rules (default /etc/momentum-perms/local.rules). */
  localRules?: string;
  /** `--rule-set 3.x|4.x`: override the rule set chosen from the install. */
  ruleSet?: string;
  /** `--state-dir DIR`: journals, snapshots, the lock (default /var/lib/momentum-perms). */
  stateDir?: string;
  /** `--cross-filesystems`: descend into other filesystems below a tree (default: stay on one). */
  crossFilesystems?: boolean;
  json?: boolean;
  /** `--no-packages` sets false: no package layer. */
  packages?: boolean;
  /** `--rpm-dbpath DIR`: the rpm database under --root (default: the first of /usr/lib/sysimage/rpm, /var/lib/rpm that holds one). */
  rpmDbpath?: string;
}

export interface AuditCliOptions extends CommonOptions {
  format?: 'text' | 'json' | 'ndjson' | 'prometheus';
  output?: string;
  quiet?: boolean;
  since?: string;
  /** `--metrics`: --format prometheus --output TEXTFILE-DIR/momentum_perms.prom. */
  metrics?: boolean;
  textfileDir?: string;
}

export interface FixCliOptions extends CommonOptions {
  dryRun?: boolean;
  journal?: string;
  only?: string[];
  since?: string;
  quiet?: boolean;
}

/** The package layer's options from `--no-packages` and `--rpm-dbpath`. */
export function packageOptionsOf(o: CommonOptions): PackageOptions | undefined {
  if (o.packages === false) return { rpm: false };
  return o.rpmDbpath !== undefined ? { dbpath: o.rpmDbpath } : undefined;
}
