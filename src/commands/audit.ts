// PLACEHOLDER: replaced when the command is implemented.
import { MpError } from '../errors.js';
import type { Io } from './io.js';
import type { AuditCliOptions } from './options.js';

export function runAudit(_o: AuditCliOptions, _io: Io): number {
  throw new MpError('MP300', 'audit is not implemented yet');
}
