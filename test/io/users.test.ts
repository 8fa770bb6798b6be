import { describe, expect, it } from 'vitest';
import { nssUserDb } from '../../src/io/users.js';
import { realFs } from '../../src/io/fs.js';

// The real name service (getent), on the machine running the tests.
describe('nssUserDb: names the configuration chooses are keys, never getent options', () => {
  it('"-sfiles" is no user and no group (getent read it as `-s files` and answered root)', () => {
    const db = nssUserDb(realFs);
    expect(db.userByName('-sfiles')).toBeUndefined();
    expect(db.groupByName('-sfiles')).toBeUndefined();
    expect(db.userByName('--help')).toBeUndefined();
    expect(db.userByName('-s')).toBeUndefined();
  });

  it('a key with a space, a colon or a newline is no answer', () => {
    const db = nssUserDb(realFs);
    expect(db.userByName('root\nx')).toBeUndefined();
    expect(db.userByName('root:x')).toBeUndefined();
    expect(db.userByName('root ')).toBeUndefined();
  });

  it('real names and ids still resolve', () => {
    const db = nssUserDb(realFs);
    expect(db.userByName('root')).toEqual({ name: 'root', uid: 0, gid: 0 });
    expect(db.userById(0)?.name).toBe('root');
    expect(db.groupByName('root')).toMatchObject({ name: 'root', gid: 0 });
    expect(db.groupById(0)?.name).toBe('root');
  });
});
