/**
 * The pipeline's one event stream, on a real root with every kind of finding: start once before anything
 * else, a walked entry's findings only inside its verdict, `finding` only for paths never walked, end last
 * with the counts; and the published audit() sees the same findings through its callbacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, runPipeline, type Sink } from '../src/pipeline.js';
import type { Finding, Verdict } from '../src/types.js';
import { e2eRoot, pairs, type E2eRoot } from './audit/e2e-fixture.js';
import { asRoot } from './support/root.js';

describe.runIf(asRoot)('runPipeline into a sink', () => {
  let r: E2eRoot;
  beforeAll(() => void (r = e2eRoot()));
  afterAll(() => r.cleanup());

  it('streams start, verdicts and bare findings, then end, each finding once', () => {
    const events: string[] = [];
    const verdicts: Verdict[] = [];
    const bare: Finding[] = [];
    const sink: Sink = {
      start: () => void events.push('start'),
      verdict: (v) => void (events.push('verdict'), verdicts.push(v)),
      finding: (f) => void (events.push('finding'), bare.push(f)),
      end: (res) => void events.push(`end ${res.summary.findings}`),
    };
    const res = runPipeline({ root: r.dir }, sink);
    const inVerdicts = verdicts.flatMap((v) => v.findings);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'start')).toHaveLength(1);
    expect(events.at(-1)).toBe(`end ${res.summary.findings}`);
    // One channel each: no finding comes both alone and inside a verdict, and every verdict is its entry's only one.
    expect(bare.filter((f) => inVerdicts.includes(f))).toEqual([]);
    expect(new Set(verdicts.map((v) => v.entry.path)).size).toBe(verdicts.length);
    expect(bare.filter((f) => verdicts.some((v) => v.entry.path === f.path && v.findings.length > 0))).toEqual([]);
    expect(pairs([...inVerdicts, ...bare])).toEqual(r.expected);
    expect(res.summary.findings).toBe(inVerdicts.length + bare.length);
  });

  it('audit() hands the same findings to onFinding, each once', () => {
    const found: Finding[] = [];
    audit({ root: r.dir, onFinding: (f) => found.push(f) });
    expect(pairs(found)).toEqual(r.expected);
  });
});
