/**
 * What the pre-upgrade snapshot records when the configuration does not parse: the trees both shipped rule
 * sets declare (root's files, read from the package, never from the install), the spool trees left out as
 * usual, and the accounts unknown. A broken configuration must not cost the local choices an upgrade resets.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { parseRules, SHIPPED_RULES_DIR } from '../rules/index.js';
import type { TreeDecl } from '../rules/types.js';
import { snapshotTrees, type SnapshotPlan } from '../snapshot/index.js';

/** The id a snapshot header records for an account it could not know: no entry is ever owned by it. */
export const UNKNOWN_ID = -1;

export function shippedPlan(dir: string = SHIPPED_RULES_DIR): SnapshotPlan {
  const trees: TreeDecl[] = [];
  for (const version of ['3.x', '4.x']) {
    const file = path.join(dir, `${version}.rules`);
    if (!nodeFs.existsSync(file)) continue;
    trees.push(...parseRules(nodeFs.readFileSync(file, 'utf8'), `rules/${version}.rules`, 'shipped').trees);
  }
  const unique = [...new Map(trees.map((t) => [t.path, t])).values()];
  return {
    ...snapshotTrees({ trees: unique, rules: { version: '4.x', files: [], trees: unique, rules: [] } }, false),
    configFile: '',
    user: { name: '', id: UNKNOWN_ID },
    group: { name: '', id: UNKNOWN_ID },
  };
}
