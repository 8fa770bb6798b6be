import { createFsFromVolume, Volume } from 'memfs';
import type { FsLike } from '../../src/io/fs.js';
import type { Entry } from '../../src/types.js';
import { walk, type WalkOptions } from '../../src/walk/index.js';

/** A memfs filesystem from a `{path: content}` map (null for a directory). */
export function memFs(files: Record<string, string | null>): { fs: FsLike; raw: ReturnType<typeof createFsFromVolume> } {
  const vol = Volume.fromJSON(files);
  const raw = createFsFromVolume(vol);
  return { fs: raw as unknown as FsLike, raw };
}

export interface Collected {
  entries: Entry[];
  parents: string[];
  errors: { path: string; errno: string }[];
  vanished: number;
}

/** Walk and collect everything the callbacks receive. */
export function collect(fs: FsLike, rootDir: string, tree: string, opts: WalkOptions = { crossFilesystems: false }): Collected {
  const c: Collected = { entries: [], parents: [], errors: [], vanished: 0 };
  walk(
    fs,
    { dir: rootDir },
    tree,
    opts,
    (e, p) => {
      c.entries.push(e);
      c.parents.push(p);
    },
    (path, errno) => c.errors.push({ path, errno }),
    () => void c.vanished++,
  );
  return c;
}

export const paths = (c: Collected): string[] => c.entries.map((e) => e.path).sort();
