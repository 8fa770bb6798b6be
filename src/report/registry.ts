/**
 * Reporters by (result kind, format). The audit's streaming formats are registered here by name; another
 * module adds one with `registerReporter` (the CLI's `--format` accepts any registered name). A fix or undo
 * has a text and a JSON reporter; the results shown whole (config, rules, explain, verify, snapshot) are
 * views (src/report/views.ts).
 */
import { jsonReporter } from './json.js';
import { ndjsonReporter } from './ndjson.js';
import { prometheusReporter } from './prometheus.js';
import { textReporter } from './text.js';
import { fixJsonReporter } from './fix-json.js';
import { fixTextReporter, type FixReporter, type FixReportOptions } from './fix-text.js';
import type { ReporterFactory } from './types.js';

const reporters = new Map<string, ReporterFactory>([
  ['text', textReporter],
  ['json', jsonReporter],
  ['ndjson', ndjsonReporter],
  ['prometheus', prometheusReporter],
]);

/** Add or replace a report format. */
export function registerReporter(name: string, factory: ReporterFactory): void {
  reporters.set(name, factory);
}

/** The factory for a format, or undefined when no such format is registered. */
export function reporterFor(name: string): ReporterFactory | undefined {
  return reporters.get(name);
}

/** Registered format names, in registration order. */
export function reporterNames(): string[] {
  return [...reporters.keys()];
}

/** The formats of a fix or undo report: `--json` picks `json`. */
const fixReporters: Record<'text' | 'json', (o: FixReportOptions) => FixReporter> = {
  text: fixTextReporter,
  json: fixJsonReporter,
};

/** The reporter of a fix or undo in `format`. */
export function fixReporterFor(format: 'text' | 'json'): (o: FixReportOptions) => FixReporter {
  return fixReporters[format];
}
