import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpError } from '../../src/errors.js';
import { atomicFile, bufferedSink } from '../../src/report/sink.js';
import { tempDir } from '../support/root.js';

describe('bufferedSink', () => {
  it('hands text on in large chunks and everything on flush', () => {
    const chunks: string[] = [];
    const s = bufferedSink((t) => chunks.push(t));
    for (let i = 0; i < 10000; i++) s.write('0123456789\n');
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.length).toBeLessThan(10);
    s.flush();
    expect(chunks.join('')).toBe('0123456789\n'.repeat(10000));
  });
});

describe('atomicFile', () => {
  let dir: string;
  beforeEach(() => void (dir = tempDir('sink').dir));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows nothing at the target until commit, then the whole text, with no temporary file left', () => {
    const target = path.join(dir, 'report.json');
    fs.writeFileSync(target, 'previous');
    const f = atomicFile(target);
    f.write('new ');
    f.write('report');
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
    f.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('new report');
    expect(fs.readdirSync(dir)).toEqual(['report.json']);
  });

  it('leaves the previous report in place when aborted', () => {
    const target = path.join(dir, 'report.json');
    fs.writeFileSync(target, 'previous');
    const f = atomicFile(target);
    f.write('half');
    f.abort();
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
    expect(fs.readdirSync(dir)).toEqual(['report.json']);
  });

  it('replaces a symbolic link at the target instead of writing through it', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep me');
    const target = path.join(dir, 'report.prom');
    fs.symlinkSync(victim, target);
    const f = atomicFile(target);
    f.write('metrics');
    f.commit();
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(fs.lstatSync(target).isFile()).toBe(true);
  });

  it('fails with MP305 when the directory does not exist', () => {
    let err: unknown;
    try {
      atomicFile(path.join(dir, 'no/such/dir/report'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MpError);
    expect((err as MpError).code).toBe('MP305');
    expect((err as MpError).message).toContain('ENOENT');
  });
});
