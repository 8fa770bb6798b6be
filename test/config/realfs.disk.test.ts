import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { MAX_CONFIG_BYTES } from '../../src/config/files.js';
import { MpError, renderError } from '../../src/errors.js';
import { makeRoot, realFs } from '../../src/io/fs.js';
import { filesUserDb } from '../../src/io/users.js';
import { tempDir } from '../support/root.js';

const DEF = '/opt/msys/ecelerity/etc/conf/default';
let dir: string;

function write(p: string, text: string): void {
  fs.mkdirSync(path.dirname(dir + p), { recursive: true });
  fs.writeFileSync(dir + p, text);
}

function read(): ReturnType<typeof readConfig> {
  const root = makeRoot(dir);
  return readConfig(realFs, root, filesUserDb(realFs, root), { node: 'n1' });
}

function error(): MpError {
  try {
    read();
  } catch (e) {
    if (e instanceof MpError) return e;
    throw e;
  }
  throw new Error('read without error');
}

describe('readConfig on the real filesystem: hostile include targets', () => {
  beforeAll(() => {
    dir = tempDir('config').dir;
    write('/etc/passwd', 'ecuser:x:500:500::/:/bin/false\n');
    write('/etc/group', 'ecuser:x:500:\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to read a FIFO named by an include (it would block forever)', () => {
    write(`${DEF}/ecelerity.conf`, 'Security { user = ecuser }\ninclude "pipe"\n');
    execFileSync('mkfifo', [dir + `${DEF}/pipe`]);
    const e = error();
    expect(e.code).toBe('MP107');
    expect(renderError(e)).toBe(
      [`error MP107: cannot read ${DEF}/pipe: not a regular file`, `  --> ${DEF}/ecelerity.conf:2:9`, '  |', '2 | include "pipe"', '  |         ^'].join('\n'),
    );
    fs.rmSync(dir + `${DEF}/pipe`);
  });

  it('skips a FIFO inside an included directory, and symlinked sub-directories', () => {
    write(`${DEF}/ecelerity.conf`, 'Security { user = ecuser }\ninclude "conf.d"\n');
    write(`${DEF}/conf.d/a.conf`, 'spoolbase = /var/spool/a\n');
    execFileSync('mkfifo', [dir + `${DEF}/conf.d/b.pipe`]);
    fs.symlinkSync('.', dir + `${DEF}/conf.d/loop`);
    fs.symlinkSync('a.conf', dir + `${DEF}/conf.d/c.conf`);
    const cfg = read();
    expect(cfg.files).toEqual([`${DEF}/ecelerity.conf`, `${DEF}/conf.d/a.conf`, `${DEF}/conf.d/c.conf`]);
    fs.rmSync(dir + `${DEF}/conf.d`, { recursive: true });
  });

  it('ends an include loop through a symlinked directory at the depth limit', () => {
    write(`${DEF}/ecelerity.conf`, 'include "x.conf"\n');
    write(`${DEF}/x.conf`, 'include "l/x.conf"\n');
    fs.symlinkSync('.', dir + `${DEF}/l`);
    const e = error();
    expect(e.code).toBe('MP104');
    expect(e.message).toBe('includes nested deeper than 32 files');
    fs.rmSync(dir + `${DEF}/l`);
  });

  it('refuses a file larger than the cap', () => {
    write(`${DEF}/ecelerity.conf`, 'include "huge.conf"\n');
    fs.writeFileSync(dir + `${DEF}/huge.conf`, '');
    fs.truncateSync(dir + `${DEF}/huge.conf`, MAX_CONFIG_BYTES + 1);
    const e = error();
    expect(e.code).toBe('MP107');
    expect(e.message).toBe(`cannot read ${DEF}/huge.conf: larger than ${MAX_CONFIG_BYTES} bytes`);
  });

  it('never quotes a file others cannot read (a planted include of a secret)', () => {
    write(`${DEF}/ecelerity.conf`, 'Security { user = ecuser }\ninclude "/etc/secret"\n');
    write('/etc/secret', 'root:$6$s3cr3t$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    fs.chmodSync(dir + '/etc/secret', 0o640);
    const e = error();
    expect(renderError(e)).toBe(["error MP101: expected '{' to open a named scope, found end of file", '  --> /etc/secret:3:1'].join('\n'));
    // The same text, readable by anyone, is quoted as usual.
    fs.chmodSync(dir + '/etc/secret', 0o644);
    expect(renderError(error())).toContain('to open scope root:$6$s3cr3t$hash:19000:0:99999:7:::');
    fs.rmSync(dir + '/etc/secret');
  });

  it('reads a configuration file that is a directory as an error, not a crash', () => {
    fs.rmSync(dir + `${DEF}/ecelerity.conf`);
    fs.mkdirSync(dir + `${DEF}/ecelerity.conf`);
    // A directory is not a file: the search goes on and finds nothing.
    expect(error().code).toBe('MP100');
  });
});
