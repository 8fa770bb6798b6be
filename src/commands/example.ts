// PLACEHOLDER: replaced when the command is implemented.
import { MpError } from '../errors.js';
import type { Io } from './io.js';

export function runExample(_o: { keep?: boolean; json?: boolean }, _io: Io): number {
  throw new MpError('MP300', 'example is not implemented yet');
}
