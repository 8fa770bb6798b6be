import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingJson } from '../../src/report/finding-json.js';
import { CHECKS, type Finding } from '../../src/types.js';

describe('findingJson', () => {
  it('writes exactly what JSON.stringify writes, whatever the strings hold', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\n', '\u2028', '\ud800', 'a\udc00b', '😀'));
    const finding = fc.record(
      {
        path: text,
        check: fc.constantFrom(...CHECKS),
        expected: fc.option(text, { nil: null }),
        actual: fc.option(text, { nil: null }),
        rule: fc.option(text, { nil: null }),
        message: text,
        since: fc.constantFrom('changed-by-upgrade' as const, 'preexisting' as const, 'new' as const),
      },
      { requiredKeys: ['path', 'check', 'expected', 'actual', 'rule', 'message'] },
    );
    fc.assert(fc.property(finding, (f: Finding) => findingJson(f) === JSON.stringify(f)), { numRuns: 2000 });
  });

  it('leaves out a since that is present but undefined, as JSON.stringify does', () => {
    const f = { path: '/a', check: 'mode', expected: null, actual: '0644', rule: null, message: 'm', since: undefined } as unknown as Finding;
    expect(findingJson(f)).toBe(JSON.stringify(f));
  });
});
