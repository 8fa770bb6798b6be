/** releaseAll: every release step runs whatever an earlier one threw; which error, if any, is thrown. */
import { describe, expect, it } from 'vitest';
import { releaseAll } from '../src/errors.js';

describe('releaseAll', () => {
  const steps = (ran: string[]): (() => void)[] => [
    () => void ran.push('wait'),
    () => {
      ran.push('journal');
      throw new Error('first');
    },
    () => {
      ran.push('lock');
      throw new Error('second');
    },
    () => void ran.push('state'),
  ];

  it('runs every step, then throws the first error of a run that had not failed', () => {
    const ran: string[] = [];
    expect(() => releaseAll(steps(ran), false)).toThrow('first');
    expect(ran).toEqual(['wait', 'journal', 'lock', 'state']);
  });

  it("runs every step and throws nothing for a run that already failed: its own error is the one to report", () => {
    const ran: string[] = [];
    expect(() => releaseAll(steps(ran), true)).not.toThrow();
    expect(ran).toEqual(['wait', 'journal', 'lock', 'state']);
  });

  it('throws nothing when every step succeeds', () => {
    const ran: string[] = [];
    releaseAll([() => void ran.push('a'), () => void ran.push('b')], false);
    expect(ran).toEqual(['a', 'b']);
  });
});
