/**
 * The programmatic API. The CLI (src/cli.ts) only parses arguments, calls these and prints.
 */
export * from './types.js';
export { MpError, renderError, isMpError, type ErrorCode, type Location } from './errors.js';
export { makeRoot, hostPath, momentumPath, realFs, type FsLike, type Root } from './io/fs.js';
export { userDbFor, filesUserDb, nssUserDb, parsePasswd, parseGroup, type UserDb } from './io/users.js';
export { readConfig } from './config/index.js';
export type * from './config/types.js';
