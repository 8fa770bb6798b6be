/** How `config`, `rules` and `explain` show the package layer. Pure: strings out. */
import type { ChalkInstance } from 'chalk';
import type { PackageExpectation, PackageLayerInfo } from '../package/layer.js';
import { modeIsBound } from '../package/layer.js';

/** One paragraph: present (where from, how many files of which packages) or absent, and why. */
export function packageInfoText(info: PackageLayerInfo, c: ChalkInstance): string {
  if (!info.present) return `${c.bold('Package layer')}: ${c.yellow('absent')}: ${info.reason ?? ''}\n`;
  const pk = info.packages ?? [];
  const out = [
    `${c.bold('Package layer')}: ${info.files ?? 0} file records in the declared trees (of ${info.records ?? 0} read) from ${info.rpm} --dbpath ${info.dbpath}; applies after the shipped rules, before the local ones`,
  ];
  for (const p of pk) out.push(`  ${p}`);
  return out.join('\n') + '\n';
}

/** What explain adds for a package file. */
export interface ExplainedPackage {
  provenance: string;
  mode: 'exact' | 'at most';
  translated: string[];
  /** Attributes the shipped rules took from the package, as findings say it. */
  hazards: string[];
}

export function explainedPackage(pe: PackageExpectation): ExplainedPackage {
  return {
    provenance: pe.provenance,
    mode: modeIsBound(pe.file) ? 'at most' : 'exact',
    translated: pe.translated,
    hazards: pe.hazards.map((h) => h.message),
  };
}

export function explainedPackageText(x: ExplainedPackage | null, info: PackageLayerInfo | undefined, c: ChalkInstance): string {
  if (x === null) {
    if (info === undefined) return '';
    return info.present ? `${c.bold('Package')}: no package owns this path\n` : `${c.bold('Package')}: ${c.dim(`layer absent: ${info.reason ?? ''}`)}\n`;
  }
  const out = [`${c.bold('Package')}: ${c.cyan(x.provenance)}  (mode ${x.mode === 'exact' ? 'exact' : 'an upper bound'})`];
  for (const t of x.translated) out.push(`  translated: ${t}`);
  for (const h of x.hazards) out.push(c.red(`  hazard: ${h}`));
  return out.join('\n') + '\n';
}
