/**
 * The state directory (journals, the lock, snapshots, the hooks' status): root-only, never reached through a link, and below
 * directories only root can change. A state directory that a non-root account can write, or whose path it
 * can redirect, would let it plant a journal for `undo` to follow, or remove or hold the lock.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MpError } from '../errors.js';
import type { Root } from './fs.js';
import { errnoOf } from './fd.js';
import { badName, fdPath, syncCreated } from './fd.js';
import { openSafe } from './safe-open.js';
import { notRootOnly, writableText } from './trust.js';
import { permsWithAcl } from './acl.js';
import { openDirChain, type OpenDir } from './secure-path.js';

export type { OpenDir } from './secure-path.js';

/**
 * Open (creating when missing, 0700) the directory `name` inside the verified `parent`: never through a
 * link, and only when root alone can write it.
 */
export function openChildDir(parent: OpenDir, name: string): OpenDir {
  const display = path.posix.join(parent.path, name);
  if (badName(name)) throw new MpError('MP303', `${display} is not a usable directory name`);
  const at = fdPath(parent.fd, name);
  try {
    fs.mkdirSync(at, 0o700);
    // Its name made durable in its parent: the journals written in it must not vanish with it at a crash.
    syncCreated(parent.fd);
  } catch (e) {
    if (errnoOf(e) !== 'EEXIST') throw new MpError('MP303', `cannot create ${display}: ${errnoOf(e) ?? e}`);
  }
  const got = openSafe(at, { want: 'dir' });
  if ('refused' in got) {
    // A link in place of the state directory would send journals and the lock wherever it points.
    const what = got.refused === 'symlink' || got.refused === 'wrong-type' ? 'is a symbolic link or not a directory' : `cannot be opened: ${'errno' in got ? got.errno : 'EIO'}`;
    throw new MpError('MP303', `state directory ${display} ${what}`);
  }
  const fd = got.fd;
  // One another account can write: it could plant a journal for undo to follow, or remove or hold the lock.
  const perms = permsWithAcl(fd, got.st);
  if (notRootOnly(perms) !== null) {
    fs.closeSync(fd);
    throw new MpError('MP303', `state directory ${display} is ${writableText(perms)}`);
  }
  return { fd, path: display };
}

/**
 * Open a directory given by Momentum path, creating what is missing: every directory from the root down
 * opened without following links, each root's and not open to another account's renames (see
 * openDirChain), the last one root's alone. Throws MP303.
 */
export function openDirUnder(root: Root, dir: string): OpenDir {
  return openDirChain(root, dir, true, 'MP303');
}

/** The open state directory, with its journal/ subdirectory opened on first use. */
export interface StateDir {
  state: OpenDir;
  journals(): OpenDir;
  close(): void;
}

/** The state directory and its journal/ subdirectory, both created root-only when missing. */
export function openState(root: Root, stateDir: string): StateDir {
  const state = openDirUnder(root, stateDir);
  let journals: OpenDir | undefined;
  return {
    state,
    journals: () => (journals ??= openChildDir(state, 'journal')),
    close: () => {
      closeDir(journals);
      closeDir(state);
    },
  };
}

/** Close an OpenDir, ignoring an already closed descriptor. */
export function closeDir(d: OpenDir | undefined): void {
  if (d !== undefined && d.fd >= 0) fs.closeSync(d.fd);
}
