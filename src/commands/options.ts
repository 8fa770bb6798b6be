import { MpError } from '../errors.js';
import type { SettingsOptions } from '../settings.js';

/** Options every command takes (README "Commands at a glance"): the settings, and `--json`. */
export interface CommonOptions extends SettingsOptions {
  json?: boolean;
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

/** The format asked for: `--format`, or `--json`; both at once must agree. Without either, text. */
export function formatOf(o: { json?: boolean; format?: string }): string {
  if (o.json && o.format !== undefined && o.format !== 'json') {
    throw new MpError('MP300', `--json and --format ${o.format} ask for two different formats`);
  }
  return o.format ?? (o.json ? 'json' : 'text');
}

/** The format of a command that prints one result: `--json` or text. */
export function viewFormat(o: { json?: boolean }): 'json' | 'text' {
  return o.json ? 'json' : 'text';
}
