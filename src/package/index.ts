/**
 * The package layer: what Momentum's own packages declare for each file (read from the rpm database through
 * `rpm`), as expectations between the shipped and the local rules. See docs/admin.md, "The package layer and `verify`".
 */
import type { FsLike, Root } from '../io/fs.js';
import type { UserDb } from '../io/users.js';
import type { BoundRules } from '../rules/types.js';
import { bindPackages, packageCheck } from './layer.js';
import { readPackages, selectors, type PackageOptions } from './query.js';

export { bindPackages, packageCheck, declaration, provenanceOf, modeIsBound, PACKAGE_ACCOUNT, PACKAGE_ONLY } from './layer.js';
export type { PackageLayer, PackageLayerInfo, PackageExpectation } from './layer.js';
export { readPackages, selectors, QUERY_FORMAT, DB_PATHS, type PackageFile, type PackageOptions, type PackageRead } from './query.js';

function within(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(dir + '/');
}

/**
 * Read the packages once and attach the layer to bound rules: `bound.packages` says whether it is present,
 * and `bound.check` consults it. Returns the same object.
 */
export function attachPackages(bound: BoundRules, fs: FsLike, root: Root, users: UserDb, opts: PackageOptions = {}): BoundRules {
  const trees = bound.rules.trees.map((t) => t.path);
  const read = readPackages(fs, root, (p) => trees.some((t) => within(p, t)), opts, selectors(trees));
  const { info, layer } = bindPackages(bound, read, users);
  bound.packages = { info, layer };
  if (layer !== null) bound.check = packageCheck(bound, layer, users);
  return bound;
}
