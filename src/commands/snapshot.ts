// PLACEHOLDER: replaced when the command is implemented.
import { MpError } from '../errors.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

export function runSnapshot(_o: CommonOptions, _io: Io): number {
  throw new MpError('MP300', 'snapshot is not implemented yet');
}
