/**
 * Report formats by name. The built-in ones register themselves here; another module adds a format with
 * `registerReporter` (the CLI's `--format` accepts any registered name).
 */
import { jsonReporter } from './json.js';
import { ndjsonReporter } from './ndjson.js';
import { prometheusReporter } from './prometheus.js';
import { textReporter } from './text.js';
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
