/** The exit status contract (README "Exit status"), decided in one function: table-driven. */
import { describe, expect, it } from 'vitest';
import { MpError } from '../src/errors.js';
import { exitStatus, type Ending } from '../src/exit.js';

const fixOf = (s: Partial<{ failed: number; refused: number; planned: number }>, errors = 0, reported = 0): Ending => ({
  kind: 'fix',
  result: { summary: { failed: 0, refused: 0, planned: 0, ...s }, errors, reported },
});

describe('exitStatus', () => {
  it.each<[string, Ending, number]>([
    ['a clean audit', { kind: 'audit', summary: { findings: 0, errors: 0 } }, 0],
    ['an audit with findings', { kind: 'audit', summary: { findings: 2, errors: 0 } }, 1],
    ['an audit that could not examine a path', { kind: 'audit', summary: { findings: 2, errors: 1 } }, 3],
    ["the example's planted findings", { kind: 'audit', summary: { findings: 9, errors: 0 }, findingsPlanted: true }, 0],
    ['the example, a path not examined', { kind: 'audit', summary: { findings: 9, errors: 1 }, findingsPlanted: true }, 3],
    ['a fix with nothing left', fixOf({}), 0],
    ['a dry run with changes planned', fixOf({ planned: 1 }), 1],
    ['a fix with refusals', fixOf({ refused: 1 }), 1],
    ['a fix with findings it does not correct', fixOf({}, 0, 1), 1],
    ['a fix where a change failed', fixOf({ failed: 1, refused: 1 }), 3],
    ['a fix that could not examine a path', fixOf({}, 1), 3],
    ['a snapshot written whole', { kind: 'written', unreadable: 0 }, 0],
    ['a snapshot with places not read', { kind: 'written', unreadable: 2 }, 3],
    ['something shown', { kind: 'shown' }, 0],
    ['a baseline held back', { kind: 'held-back' }, 3],
    ['a usage error', { kind: 'usage' }, 2],
    ['a configuration error', { kind: 'error', error: new MpError('MP101', 'x') }, 2],
    ['the lock held', { kind: 'error', error: new MpError('MP301', 'x') }, 3],
    ['an output not written', { kind: 'error', error: new MpError('MP305', 'x') }, 3],
    ['an unexpected error', { kind: 'error', error: new Error('x') }, 3],
  ])('%s: %i', (_what, ending, want) => expect(exitStatus(ending)).toBe(want));
});
