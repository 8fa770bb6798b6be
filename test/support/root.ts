/**
 * The one temporary-root builder the real-disk suites share, and the one gate for suites that need root
 * (chown, setuid bits, mounts): a directory of its own below the system's temporary directory, with an
 * exact mode, that `cleanup` removes whole.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Whether the suite runs as root: the real-disk suites that chown skip otherwise. */
export const asRoot = process.getuid?.() === 0;

export interface TempDir {
  /** Absolute host path of the directory. */
  readonly dir: string;
  /** Host path of a path inside it (a Momentum path when the directory stands for `/`). */
  h(p: string): string;
  /** Remove it and everything below. */
  cleanup(): void;
}

/**
 * A new temporary directory `mp-<name>-XXXXXX`, owned by the running user, with exactly `mode` (default
 * 0700: nobody else can look in or plant anything).
 */
export function tempDir(name: string, mode = 0o700): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mp-${name}-`));
  fs.chmodSync(dir, mode);
  return {
    dir,
    h: (p) => path.join(dir, p),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
