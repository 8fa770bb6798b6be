/**
 * Errno names in reports: what Node and the native helpers call an errno libuv cannot name ("Unknown system
 * error -122", "UNKNOWN") is named from its number, and every other code is kept as it is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { errnoName, errnoOf } from '../../src/io/fd.js';

describe('errno names', () => {
  it('names from its number an errno libuv cannot name, whichever sign its errno has', () => {
    expect(errnoOf({ code: 'Unknown system error -122', errno: -122 })).toBe('EDQUOT');
    expect(errnoOf({ code: 'UNKNOWN', errno: 37 })).toBe('ENOLCK');
    expect(errnoOf({ code: 'UNKNOWN', errno: 117 })).toBe('EUCLEAN');
  });

  it('keeps every other code as it is', () => {
    expect(errnoOf({ code: 'ENOENT', errno: -2 })).toBe('ENOENT');
    expect(errnoOf({ code: 'ERR_FS_EISDIR', errno: 21 })).toBe('ERR_FS_EISDIR');
    expect(errnoOf({ code: 'MP305' })).toBe('MP305');
    expect(errnoOf({ code: 'UNKNOWN' })).toBe('UNKNOWN');
    expect(errnoOf(new Error('x'))).toBeUndefined();
    expect(errnoOf(null)).toBeUndefined();
  });

  it("names the kernel's errnos that neither libuv nor Node's table has", () => {
    expect([117, 121, 123, 126, 133, 15, 66, 77].map(errnoName)).toEqual(['EUCLEAN', 'EREMOTEIO', 'ENOMEDIUM', 'ENOKEY', 'EHWPOISON', 'ENOTBLK', 'EREMOTE', 'EBADFD']);
    expect([2, 122, 9999].map(errnoName)).toEqual(['ENOENT', 'EDQUOT', 'E9999']);
    // Wherever Node's table has the number, the name is one Node gives it (EAGAIN and EWOULDBLOCK are one).
    const names = new Map<number, string[]>();
    for (const [name, n] of Object.entries(os.constants.errno)) names.set(n, [...(names.get(n) ?? []), name]);
    for (const [n, aliases] of names) expect(aliases, String(n)).toContain(errnoName(n));
  });

  it('names what a real failing call throws', () => {
    let caught: unknown;
    try {
      fs.readdirSync('/nonexistent-' + process.pid);
    } catch (e) {
      caught = e;
    }
    expect(errnoOf(caught)).toBe('ENOENT');
  });
});
