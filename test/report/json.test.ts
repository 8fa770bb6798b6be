import { describe, expect, it } from 'vitest';
import { jsonReporter } from '../../src/report/json.js';
import { ndjsonReporter } from '../../src/report/ndjson.js';
import { reporterFor, reporterNames, registerReporter } from '../../src/report/registry.js';
import { finding, header, render } from './helpers.js';

describe('json report', () => {
  it('is one document with root, configuration, user, group, every finding in order, and the summary', () => {
    const fs = [finding('/a', 'mode'), finding('/b', 'owner', 'rules/4.x.rules:3', '0'), finding('/c', 'error', null, 'EACCES')];
    const doc = JSON.parse(render(jsonReporter, fs).text) as Record<string, unknown>;
    expect(doc).toEqual({
      root: header.root,
      configFile: header.configFile,
      user: header.user,
      group: header.group,
      findings: fs,
      summary: { examined: 10, findings: 3, errors: 1, vanished: 0 },
    });
    expect(Object.keys(doc)).toEqual(['root', 'configFile', 'user', 'group', 'findings', 'summary']);
  });

  it('streams each finding out as it comes instead of holding them', () => {
    const { writesBeforeEnd } = render(jsonReporter, [finding('/a', 'mode'), finding('/b', 'mode')]);
    expect(writesBeforeEnd).toContain('"path":"/a"');
    expect(writesBeforeEnd).toContain('"path":"/b"');
  });

  it('is valid with no findings, and empty under --quiet then', () => {
    expect((JSON.parse(render(jsonReporter, []).text) as { findings: unknown[] }).findings).toEqual([]);
    expect(render(jsonReporter, [], { quiet: true }).text).toBe('');
    const quietWithFindings = JSON.parse(render(jsonReporter, [finding('/a', 'mode')], { quiet: true }).text) as { root: string; findings: unknown[] };
    expect(quietWithFindings.root).toBe(header.root);
    expect(quietWithFindings.findings).toHaveLength(1);
  });
});

describe('ndjson report', () => {
  it('writes one finding per line as found, then a summary line', () => {
    const fs = [finding('/a', 'mode'), finding('/b', 'group')];
    const { text, writesBeforeEnd } = render(ndjsonReporter, fs);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([...fs, { summary: { examined: 10, findings: 2, errors: 0, vanished: 0 } }]);
    expect(writesBeforeEnd.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('prints nothing under --quiet when there are no findings, a summary line otherwise', () => {
    expect(render(ndjsonReporter, [], { quiet: true }).text).toBe('');
    expect(render(ndjsonReporter, []).text).toBe('{"summary":{"examined":10,"findings":0,"errors":0,"vanished":0}}\n');
  });
});

describe('reporter registry', () => {
  it('knows the built-in formats and takes new ones', () => {
    expect(reporterNames()).toEqual(expect.arrayContaining(['text', 'json', 'ndjson']));
    expect(reporterFor('nope')).toBeUndefined();
    registerReporter('count', (ctx) => ({ start() {}, finding() {}, end: (r) => ctx.sink.write(String(r.summary.findings)) }));
    expect(render(reporterFor('count')!, [finding('/a', 'mode')]).text).toBe('1');
  });
});
