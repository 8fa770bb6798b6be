/** Rules files and journals a root run obeys must be root's alone (MP203 / MP302). */
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMpError } from '../../src/errors.js';
import { assertRootOnly, assertRulesTrusted } from '../../src/io/trust.js';
import { ECGROUP, ECUSER, file, mkdir, tempRoot, type TempRoot } from './helpers.js';

let r: TempRoot;
beforeEach(() => {
  r = tempRoot();
  mkdir(r.h('/etc/momentum-perms'), 0, 0, 0o755);
});
afterEach(() => r.cleanup());

function code(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (isMpError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
}

const local = (): { host: string; display: string }[] => [{ host: r.h('/etc/momentum-perms/local.rules'), display: '/etc/momentum-perms/local.rules' }];

describe('rules files a root fix trusts', () => {
  it('accepts a root-owned file in a root-owned directory', () => {
    file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644);
    expect(code(() => assertRulesTrusted(local()))).toBeNull();
  });

  it.each([
    ['owned by the service account', ECUSER, 0, 0o644, /owned by uid 500/],
    ['group-writable by the service group', 0, ECGROUP, 0o664, /writable by group 500/],
    ['world-writable', 0, 0, 0o666, /writable by everyone/],
  ])('refuses a rules file %s', (_n, uid, gid, mode, msg) => {
    file(r.h('/etc/momentum-perms/local.rules'), uid, gid, mode);
    const c = code(() => assertRulesTrusted(local()));
    expect(c).toMatch(/^MP203 rules file \/etc\/momentum-perms\/local.rules/);
    expect(c).toMatch(msg);
  });

  it('refuses a rules file in a directory the service account can write (it can be replaced)', () => {
    fs.chownSync(r.h('/etc/momentum-perms'), ECUSER, ECGROUP);
    file(r.h('/etc/momentum-perms/local.rules'), 0, 0, 0o644);
    expect(code(() => assertRulesTrusted(local()))).toMatch(/^MP203 .*in directory/);
  });

  it('judges a symlinked rules file by both ends', () => {
    mkdir(r.h('/home/ec'), ECUSER, ECGROUP, 0o755);
    file(r.h('/home/ec/evil.rules'), 0, 0, 0o644);
    fs.symlinkSync(r.h('/home/ec/evil.rules'), r.h('/etc/momentum-perms/local.rules'));
    expect(code(() => assertRulesTrusted(local()))).toMatch(/^MP203 .*\/home\/ec/);
  });

  it('uses the code it is given (journals are MP302)', () => {
    file(r.h('/j'), ECUSER, 0, 0o600);
    expect(code(() => assertRootOnly(r.h('/j'), 'journal /j', 'MP302'))).toMatch(/^MP302 journal \/j is owned by uid 500/);
  });
});
