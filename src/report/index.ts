export type { Reporter, ReporterFactory, ReportContext, ReportHeader, Sink } from './types.js';
export { registerReporter, reporterFor, reporterNames } from './registry.js';
export { textReporter, SAMPLES } from './text.js';
export { jsonReporter } from './json.js';
export { ndjsonReporter } from './ndjson.js';
export { atomicFile, bufferedSink, type AtomicFile, type BufferedSink } from './sink.js';
export { nextCommand } from './next.js';
