/**
 * How `config`, `rules` and `explain` show the package layer. Pure: strings out. Package names, file paths
 * and the reasons a layer is absent come from the rpm database and the disk: each passes through line().
 */
import type { ChalkInstance } from 'chalk';
import type { ExplainedPackage } from '../package/explain.js';
import type { PackageLayerInfo } from '../package/layer.js';
import { line, paint, text } from './line.js';

/** One paragraph: present (where from, how many files of which packages) or absent, and why. */
export function packageInfoText(info: PackageLayerInfo, c: ChalkInstance): string {
  const p = paint(c);
  if (!info.present) return text([line`${p.bold('Package layer')}: ${p.yellow('absent')}: ${info.reason}`]);
  const out = [
    line`${p.bold('Package layer')}: ${info.files ?? 0} file records in the declared trees (of ${info.records ?? 0} read) from ${info.rpm} --dbpath ${info.dbpath}; applies after the shipped rules, before the local ones`,
  ];
  for (const pk of info.packages ?? []) out.push(line`  ${pk}`);
  return text(out);
}

export function explainedPackageText(x: ExplainedPackage | null, info: PackageLayerInfo | undefined, c: ChalkInstance): string {
  const p = paint(c);
  if (x === null) {
    if (info === undefined) return '';
    return text([info.present ? line`${p.bold('Package')}: no package owns this path` : line`${p.bold('Package')}: ${p.dim(line`layer absent: ${info.reason}`)}`]);
  }
  const out = [line`${p.bold('Package')}: ${p.cyan(x.provenance)}  (mode ${x.mode === 'exact' ? 'exact' : 'an upper bound'})`];
  for (const t of x.translated) out.push(line`  translated: ${t}`);
  for (const h of x.hazards) out.push(p.red(line`  hazard: ${h}`));
  return text(out);
}
