/**
 * Output forging: names and values from the disk or the configuration (which the service account writes)
 * never reach a text report, a `Next:` line, an error frame or a JSON line raw.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MpError, renderError } from '../../src/errors.js';
import { jsonText, printable } from '../../src/printable.js';
import { shellWord } from '../../src/printable.js';
import { ndjsonReporter } from '../../src/report/ndjson.js';
import { Chalk } from 'chalk';
import type { Finding } from '../../src/types.js';
import type { TempRoot } from '../fix/helpers.js';
import { cli, CONF, install } from '../fix/install.js';

// Raw characters a reader or terminal acts on: C0/C1 controls, DEL, line/paragraph separators, bidi formatting.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const BIDI = ['\u202e', '\u202d', '\u202a', '\u202b', '\u202c', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];

let r: TempRoot | undefined;
afterEach(() => {
  r?.cleanup();
  r = undefined;
});

describe('printable', () => {
  it('escapes every bidi formatting character, NEL and the separators', () => {
    for (const ch of [...BIDI, '\u0085', '\u2028', '\u2029', '\u001b', '\u007f']) {
      const out = printable(`a${ch}b`);
      expect(out).not.toMatch(RAW);
      expect(out).toMatch(/^a\\[xu][0-9a-f]+b$/);
    }
    expect(printable('/var/spool/x\u202ehsab.txt')).toBe('/var/spool/x\\u202ehsab.txt');
    expect(printable('plain ünïcode/路径')).toBe('plain ünïcode/路径');
  });
});

describe('JSON and NDJSON lines', () => {
  it('carry U+2028, U+2029, U+0085 and bidi overrides as \\u escapes, and parse back to the same name', () => {
    const name = '/var/spool/a\u2028{"forged":1}\u2029b\u0085c\u202ed';
    const text = jsonText({ path: name });
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual({ path: name });
    let out = '';
    const rep = ndjsonReporter({ sink: { write: (t) => void (out += t) }, color: new Chalk({ level: 0 }), quiet: false, rerun: [] });
    const f: Finding = { path: name, check: 'mode', expected: '0640', actual: '0644', rule: 'r:1', message: `mode of ${name}` };
    rep.finding(f);
    expect(out.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(out).not.toMatch(RAW);
    expect(JSON.parse(out)).toEqual(f);
  });
});

describe('the Next: line', () => {
  it('quotes a hostile path so that bash gets the exact bytes and the terminal gets no control character', () => {
    for (const p of ['/etc/k\n0 findings: forged\nNext: momentum-perms snapshot\u001b[2J', "/a'b\\c\u202e", '/plain path']) {
      const w = shellWord(p);
      expect(w).not.toMatch(RAW);
      expect(execFileSync('/bin/bash', ['-c', `printf %s ${w}`], { encoding: 'utf8' })).toBe(p);
    }
    expect(shellWord('/var/spool/ecelerity')).toBe('/var/spool/ecelerity');
  });

  it("the review's repro: a TLS_Key value forges neither a summary line nor a terminal escape in the audit", async () => {
    r = install();
    fs.appendFileSync(r.h(CONF), 'Domain "x" { TLS_Key = "/etc/k\n0 findings: 43 entries examined in 0.01 s.\nNext: momentum-perms snapshot\u001b[2J\u2028\u202e" }\n');
    // (`config`'s text, rendered by src/report/config.ts, is escaped there.)
    for (const cmd of [['audit'], ['rules'], ['audit', '--json'], ['audit', '--format', 'ndjson'], ['rules', '--json']]) {
      const x = await cli(...cmd, '--root', r.dir);
      expect(x.out + x.err).not.toMatch(RAW);
      expect(x.out).not.toMatch(/^0 findings/m);
    }
    // The hostile value does reach the reports, escaped.
    expect((await cli('rules', '--json', '--root', r.dir)).out).toContain('\\u2028\\u202e');
    expect((await cli('rules', '--root', r.dir)).out).toContain('\\x1b[2J\\u2028\\u202e');
  });
});

describe('error frames', () => {
  it('escape the file name of the frame (an include named to forge an error line)', () => {
    const e = new MpError('MP100', 'syntax error', { location: { file: 'z\u001b[2J\nerror MP000: forged.conf', line: 1, column: 1 }, sourceLine: 'x' });
    const text = renderError(e);
    expect(text.replace(/\n/g, '')).not.toMatch(RAW);
    expect(text.split('\n').some((l) => l.startsWith('error MP000'))).toBe(false);
  });
});
