/**
 * Views: a finished result rendered whole, registered by (result kind, format). `--json` picks the `json`
 * view of a command's result and nothing else, for every command; the text views escape every name from the
 * disk or the configuration (src/report/line.ts).
 */
import type { ChalkInstance } from 'chalk';
import type { MomentumConfig } from '../config/types.js';
import type { PackageLayerInfo } from '../package/layer.js';
import type { VerifyResult } from '../package/verify.js';
import { jsonText } from '../printable.js';
import type { Explanation } from '../rules/explain.js';
import type { BoundRules } from '../rules/types.js';
import type { SnapshotResult } from '../snapshot/index.js';
import { renderSummary } from './config.js';
import { explainedPackageText, packageInfoText } from './package.js';
import type { ExplainedPackage } from '../package/explain.js';
import { explainText, rulesJson, rulesText } from './rules.js';
import { snapshotText } from './snapshot.js';
import { verifyText } from './verify.js';

/** Each result kind with what its views are given. */
export interface Views {
  config: { config: MomentumConfig; packages: PackageLayerInfo };
  rules: { bound: BoundRules };
  explain: { explanation: Explanation; package: ExplainedPackage | null; info: PackageLayerInfo | undefined };
  verify: { root: string; bound: BoundRules; result: VerifyResult };
  snapshot: { result: SnapshotResult; rerun: readonly string[] };
}

export type ViewFormat = 'text' | 'json';
export type View<T> = (value: T, color: ChalkInstance) => string;

const views: { [K in keyof Views]: Record<ViewFormat, View<Views[K]>> } = {
  config: {
    text: (v, c) => renderSummary(v.config, c) + '\n' + packageInfoText(v.packages, c),
    json: (v) => jsonText({ ...v.config, packages: v.packages }, 2) + '\n',
  },
  rules: {
    text: ({ bound }, c) => rulesText(bound, c) + (bound.packages?.info ? '\n' + packageInfoText(bound.packages.info, c) : ''),
    json: ({ bound }) => jsonText({ ...(rulesJson(bound) as object), packages: bound.packages?.info ?? null }, 2) + '\n',
  },
  explain: {
    text: (v, c) => explainText(v.explanation, c) + explainedPackageText(v.package, v.info, c),
    json: (v) => jsonText({ ...v.explanation, package: v.package }, 2) + '\n',
  },
  verify: {
    text: (v, c) => verifyText(v.result, c),
    json: (v) =>
      jsonText({ root: v.root, user: v.bound.user, group: v.bound.group, packages: v.bound.packages?.info, files: v.result.lines, summary: v.result.summary }, 2) + '\n',
  },
  snapshot: {
    text: (v) => snapshotText(v.result, v.rerun),
    json: (v) => {
      // `file` repeats `path`.
      const { file: _f, ...rest } = v.result;
      return jsonText(rest) + '\n';
    },
  },
};

/** Render a result of `kind` in `format`. */
export function renderView<K extends keyof Views>(kind: K, format: ViewFormat, value: Views[K], color: ChalkInstance): string {
  const view = views[kind][format] as View<Views[K]>;
  return view(value, color);
}
