/**
 * Which path the system calls take. The suite runs twice over the safety tests (vitest.config.ts): once
 * natively, once with MOMENTUM_PERMS_NATIVE=0 on the pure-JS path; this says each run is on the path it claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ioPath, nativeFs, useNative } from '../../src/io/native.js';

afterEach(() => useNative(process.env.MOMENTUM_PERMS_NATIVE !== '0'));

describe('which path the system calls take', () => {
  it('is native wherever the build could compile the helpers, and pure JS when MOMENTUM_PERMS_NATIVE=0', () => {
    // A machine of the kind the project targets has a C compiler and Node's headers: a silent fall back to
    // the slow path there is a failed build, not a choice.
    expect(ioPath()).toBe(process.env.MOMENTUM_PERMS_NATIVE === '0' ? 'js' : 'native');
    useNative(false);
    expect(ioPath()).toBe('js');
    expect(nativeFs()).toBeNull();
  });
});
