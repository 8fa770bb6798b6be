// PLACEHOLDER: replaced when the command is implemented.
import { MpError } from '../errors.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

export function runUndo(_p: string, _o: CommonOptions, _io: Io): number {
  throw new MpError('MP300', 'undo is not implemented yet');
}
