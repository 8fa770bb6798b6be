// PLACEHOLDER: replaced when the command is implemented.
import { MpError } from '../errors.js';
import type { Io } from './io.js';
import type { FixCliOptions } from './options.js';

export function runFix(_o: FixCliOptions, _io: Io): number {
  throw new MpError('MP300', 'fix is not implemented yet');
}
