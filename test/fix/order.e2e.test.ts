/**
 * The order of the calls that change one entry, as the kernel sees them (strace, a real fix of a real root):
 * a change that gives an entry to another owner or group and takes bits away takes the bits away first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { asRoot, tempDir } from '../support/root.js';
import type { TempRoot } from './helpers.js';
import { BIN, install, SPOOL } from './install.js';

const strace = spawnSync('strace', ['-V']).status === 0;
const roots: TempRoot[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) r.cleanup();
});

/**
 * The line where `call(fd)` returned 0, or -1. With -f strace splits a call another thread's call interrupts:
 * `123 fsync(23 <unfinished ...>`, then `123 <... fsync resumed>) = 0`, on the same thread.
 */
function completed(lines: string[], call: string, fd: string): number {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (new RegExp(`\\b${call}\\(${fd}\\) += 0`).test(l)) return i;
    const m = new RegExp(`^(\\d+) +${call}\\(${fd} <unfinished`).exec(l);
    if (m === null) continue;
    for (let k = i + 1; k < lines.length; k++) {
      const r = lines[k] as string;
      if (r.startsWith(`${m[1]} `) && r.includes(`<... ${call} resumed>`)) return / = 0$/.test(r) ? k : -1;
    }
  }
  return -1;
}

/**
 * The value the call beginning on line i returned: on that line, or on its `<... call resumed>` line where strace split
 * it (another thread made a call meanwhile); null when it never returned a number.
 */
function resultOf(lines: string[], i: number, call: string): string | null {
  const l = lines[i] as string;
  const done = / += (\d+)$/.exec(l);
  if (done !== null) return done[1] as string;
  const pid = l.split(' ')[0] as string;
  for (let k = i + 1; k < lines.length; k++) {
    const r = lines[k] as string;
    if (r.startsWith(`${pid} `) && r.includes(`<... ${call} resumed>`)) return / += (\d+)$/.exec(r)?.[1] ?? null;
  }
  return null;
}

describe.runIf(asRoot)('the calls that change an entry', () => {
  // Without strace the test fails: `npm test` installs it (test/tools/install.sh).
  it('has strace to watch them', () => expect(strace).toBe(true));

  // The spool as the package would leave it: root:root 0775. Wanted: ecuser:ecuser 0750. Between a chown and a
  // chmod in that order the spool would be ecuser's and writable by others of group ecuser; a kill there would
  // leave it so. Sticky (1775): the bit stays until the last chmod; dropped first, the old group (root here, mail
  // on a real system) could delete and rename every entry of the spool, which neither mode lets it do.
  const cases = ([[0o775, '0750'], [0o1775, '01750']] as const).flatMap(([from, narrow]) => ['1', '0'].map((native) => ({ from, narrow, native })));
  for (const { from, narrow, native } of cases) {
    it.runIf(strace)(`takes bits away before giving the entry to its new owner (0${from.toString(8)}, ${native === '1' ? 'native' : 'pure-JS'} path)`, () => {
      const r = install({ dirs: 1, files: 1 });
      roots.push(r);
      fs.chownSync(r.h(SPOOL), 0, 0);
      fs.chmodSync(r.h(SPOOL), from);
      const { dir, cleanup } = tempDir('strace');
      try {
        const log = `${dir}/calls`;
        const env = { ...process.env, MOMENTUM_PERMS_NATIVE: native };
        // Every call: an strace older than fchmodat2 (Linux 6.6) knows it only by number (syscall_0x1c4).
        const p = spawnSync('strace', ['-f', '-qq', '-o', log, process.execPath, BIN, 'fix', '--root', r.dir, '--quiet'], { env, encoding: 'utf8' });
        expect(p.status, p.stderr).toBe(0);
        const st = fs.statSync(r.h(SPOOL));
        expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([500, 500, 0o750]);
        const lines = fs.readFileSync(log, 'utf8').split('\n');
        // The journal is durable, its name in its directory too, before anything changes: the fsync of each (by the
        // helper thread with the first batch on the native path, by the fix as it creates the journal on the pure-JS
        // one) returns before the first change.
        const changedAt = lines.findIndex((l) => /\b(fchownat|chown|fchmodat|chmod|syscall_0x1c4)\(/.test(l) && !/= -1 E/.test(l) && !/\/(etc|usr|proc\/self\/(?!fd))/.test(l));
        // The journal's creation: `openat(AT_FDCWD, "/proc/self/fd/D/…-fix-PID.jsonl", …O_CREAT…) = J`, or split by
        // strace like the syncs below (`… <unfinished ...>`, then `<... openat resumed>) = J`).
        const createdAt = lines.findIndex((l) => /openat\(AT_FDCWD, "\/proc\/self\/fd\/\d+\/[^"]*-fix-\d+\.jsonl", [^)]*O_CREAT/.test(l));
        expect(createdAt, 'the journal created').toBeGreaterThanOrEqual(0);
        const opened = lines[createdAt] as string;
        const dirFd = (/"\/proc\/self\/fd\/(\d+)\//.exec(opened) as RegExpExecArray)[1] as string;
        const journalFd = resultOf(lines, createdAt, 'openat');
        expect(journalFd, 'the journal opened').not.toBeNull();
        // Only what comes after the journal's creation counts (a descriptor number is reused).
        const after = lines.slice(createdAt);
        const changed = changedAt - createdAt;
        expect(completed(after, 'fsync', journalFd as string)).toBeGreaterThanOrEqual(0);
        expect(completed(after, 'fsync', journalFd as string)).toBeLessThan(changed);
        // The directory, or the duplicate of it the change batch owns (natively: fcntl F_DUPFD_CLOEXEC), whose line
        // strace may split while the helper thread makes calls of its own.
        const dup = new RegExp(`^\\d+ +fcntl\\(${dirFd}, F_DUPFD_CLOEXEC, 0[) ]`);
        const dups = after.flatMap((l, i) => {
          const fd = dup.test(l) ? resultOf(after, i, 'fcntl') : null;
          return fd === null ? [] : [fd];
        });
        const dirSynced = [dirFd as string, ...dups].map((fd) => completed(after, 'fsync', fd)).filter((i) => i >= 0);
        expect(dirSynced.length).toBeGreaterThan(0);
        expect(Math.min(...dirSynced)).toBeLessThan(changed);
        // The owner and mode changes, in order, as (descriptor, what, value).
        const calls = lines.flatMap((l) => {
          if (/= -1 E/.test(l)) return [];
          let m = /\b(?:fchownat\((\d+), "",|chown\("\/proc\/self\/fd\/(\d+)",) (\d+), (\d+)/.exec(l);
          if (m) return [{ fd: m[1] ?? m[2], what: 'owner', value: `${m[3]}:${m[4]}` }];
          m = /\b(?:fchmodat\((\d+), "",|chmod\("\/proc\/self\/fd\/(\d+)",) (0\d+)/.exec(l);
          if (m) return [{ fd: m[1] ?? m[2], what: 'mode', value: m[3] as string }];
          m = /\bsyscall_0x1c4\(0x([0-9a-f]+), 0x[0-9a-f]+, 0x([0-9a-f]+), 0x1000/.exec(l);
          if (m) return [{ fd: String(parseInt(m[1] as string, 16)), what: 'mode', value: '0' + parseInt(m[2] as string, 16).toString(8) }];
          return [];
        });
        // The spool directory's descriptor: the one given to ecuser with mode 0750 last.
        const owner = calls.findIndex((c) => c.what === 'owner' && c.value === '500:500');
        expect(owner, JSON.stringify(calls)).toBeGreaterThanOrEqual(0);
        const fd = (calls[owner] as { fd: string }).fd;
        const onFd = calls.filter((c) => c.fd === fd).map((c) => `${c.what} ${c.value}`);
        // First the bits both modes have (0750 & 0775) and the sticky bit, then the owner, then the mode wanted.
        expect(onFd).toEqual([`mode ${narrow}`, 'owner 500:500', 'mode 0750']);
      } finally {
        cleanup();
      }
    });
  }

  // A chown the disk refuses (EDQUOT: the group's quota) after the narrowing chmod was made: the entry is left
  // with fewer bits than before and its old owner. The failure says so, and undo puts the entry back.
  for (const native of ['1', '0']) {
    it.runIf(strace)(`reports what a change that failed part-way left, and undo puts it back (${native === '1' ? 'native' : 'pure-JS'} path)`, () => {
      const r = install({ dirs: 1, files: 1 });
      roots.push(r);
      fs.chownSync(r.h(SPOOL), 0, 0);
      fs.chmodSync(r.h(SPOOL), 0o775);
      const env = { ...process.env, MOMENTUM_PERMS_NATIVE: native };
      const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=chown,fchownat,lchown', '-e', 'inject=chown,fchownat,lchown:error=EDQUOT'];
      const p = spawnSync('strace', [...inject, process.execPath, BIN, 'fix', '--root', r.dir, '--json'], { env, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(3);
      const report = JSON.parse(p.stdout) as { journal: string; outcomes: { path: string; outcome: string; errno?: string; message: string }[] };
      const spool = report.outcomes.find((o) => o.path === SPOOL);
      expect(spool).toMatchObject({ outcome: 'failed', errno: 'EDQUOT', message: 'EDQUOT while changing 0:0 0775 → 500:500 0750; now 0:0 0750' });
      let st = fs.statSync(r.h(SPOOL));
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o750]);
      const u = spawnSync(process.execPath, [BIN, 'undo', report.journal, '--root', r.dir], { env, encoding: 'utf8' });
      expect(u.status, u.stderr + u.stdout).toBe(0);
      st = fs.statSync(r.h(SPOOL));
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o775]);
    });
  }

  // The journal cannot be made durable for the second batch (EIO on its fdatasync, the first: the first batch of a
  // new journal makes it durable with fsync, its directory too): the run stops (MP305, exit
  // 3), and says what the first batch changed and which journal undoes it, in text and as a whole JSON document.
  for (const json of [false, true]) {
    it.runIf(strace)(`a run stopped by its journal still reports what it changed and the journal that undoes it (${json ? 'JSON' : 'text'})`, () => {
      // 150 drifted files; a descriptor limit of 400 makes batches of 68 ((400 - 128) / 4).
      const r = install({ dirs: 1, files: 150, fileMode: 0o644 });
      roots.push(r);
      const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:error=EIO:when=1'];
      const args = ['prlimit', '--nofile=400:400', process.execPath, BIN, 'fix', '--root', r.dir, ...(json ? ['--json'] : [])];
      const p = spawnSync('strace', [...inject, ...args], { env: { ...process.env, MOMENTUM_PERMS_NATIVE: '1' }, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(3);
      expect(p.stderr).toMatch(/MP305.*cannot write journal .*EIO/);
      const changed = fs.readdirSync(r.h(`${SPOOL}/0`)).filter((n) => (fs.statSync(r.h(`${SPOOL}/0/${n}`)).mode & 0o777) === 0o640).length;
      expect(changed).toBe(68);
      if (json) {
        const report = JSON.parse(p.stdout) as { stopped: boolean; journal: string; outcomes: unknown[]; summary: { fixed: number } };
        expect(report).toMatchObject({ stopped: true, summary: { fixed: 68 } });
        expect(report.outcomes).toHaveLength(68);
        expect(report.journal).toMatch(/^\/var\/lib\/momentum-perms\/journal\//);
      } else {
        expect(p.stdout).toMatch(/Stopped by the error below, having fixed 68 entries\./);
        expect(p.stdout).toMatch(/Next: momentum-perms undo \/var\/lib\/momentum-perms\/journal\/\S+ --root /);
      }
    });
  }

  // A new journal that cannot be made durable (EIO on its fsync: natively the first batch's, before any of its
  // changes; on the pure-JS path its creation's): the run stops (MP305, exit 3) having changed nothing.
  for (const native of ['1', '0']) {
    it.runIf(strace)(`a journal that cannot be made durable when new stops the run before any change (${native === '1' ? 'native' : 'pure-JS'} path)`, () => {
      const r = install({ dirs: 1, files: 150, fileMode: 0o644 });
      roots.push(r);
      // The state directory made beforehand: the first fsync of the run is then the journal's.
      fs.mkdirSync(r.h('/var/lib/momentum-perms/journal'), { recursive: true, mode: 0o700 });
      fs.chmodSync(r.h('/var/lib/momentum-perms'), 0o700);
      const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fsync', '-e', 'inject=fsync:error=EIO:when=1'];
      const p = spawnSync('strace', [...inject, process.execPath, BIN, 'fix', '--root', r.dir], { env: { ...process.env, MOMENTUM_PERMS_NATIVE: native }, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(3);
      expect(p.stderr).toMatch(/MP305.*cannot write journal .*EIO/);
      const modes = fs.readdirSync(r.h(`${SPOOL}/0`)).map((n) => fs.statSync(r.h(`${SPOOL}/0/${n}`)).mode & 0o777);
      expect(modes.length).toBe(150);
      expect(modes.filter((m) => m !== 0o644)).toEqual([]);
    });
  }

  it.runIf(strace)('makes each directory it creates for its state durable in its parent before writing below it', () => {
    const r = install({ dirs: 1, files: 3, fileMode: 0o644 });
    roots.push(r);
    fs.rmSync(r.h('/var/lib/momentum-perms'), { recursive: true, force: true });
    const { dir, cleanup } = tempDir('strace');
    try {
      const log = `${dir}/calls`;
      const p = spawnSync('strace', ['-f', '-qq', '-e', 'trace=mkdir,fsync,openat', '-o', log, process.execPath, BIN, 'fix', '--root', r.dir, '--quiet'], { encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(0);
      const lines = fs.readFileSync(log, 'utf8').split('\n');
      const made = lines.flatMap((l, i) => {
        const m = /mkdir\("\/proc\/self\/fd\/(\d+)\/([^"]+)", 0\d+\) += 0$/.exec(l);
        return m === null ? [] : [{ i, fd: m[1] as string, name: m[2] as string }];
      });
      expect(made.map((m) => m.name)).toEqual(['momentum-perms', 'journal']);
      const journalAt = lines.findIndex((l) => /openat\(AT_FDCWD, "[^"]*\.jsonl", [^)]*O_CREAT/.test(l));
      expect(journalAt).toBeGreaterThan(0);
      for (const m of made) {
        const synced = completed(lines.slice(m.i), 'fsync', m.fd);
        expect(synced, m.name).toBeGreaterThan(0);
        expect(m.i + synced, m.name).toBeLessThan(journalAt);
      }
    } finally {
      cleanup();
    }
  });

  it.runIf(strace)('goes on when the filesystem refuses to sync a directory it created (EINVAL), as some do', () => {
    const r = install({ dirs: 1, files: 3, fileMode: 0o644 });
    roots.push(r);
    fs.rmSync(r.h('/var/lib/momentum-perms'), { recursive: true, force: true });
    // The first two fsyncs of the thread that makes the directories (strace counts each thread's calls: on the
    // pure-JS path the journal's are on that thread too, after them): /var/lib's after the state directory is
    // made, the state directory's after journal/.
    const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fsync', '-e', 'inject=fsync:error=EINVAL:when=1..2'];
    const env = { ...process.env, MOMENTUM_PERMS_NATIVE: '0' };
    const p = spawnSync('strace', [...inject, process.execPath, BIN, 'fix', '--root', r.dir, '--quiet'], { env, encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(0);
    const modes = fs.readdirSync(r.h(`${SPOOL}/0`)).map((n) => fs.statSync(r.h(`${SPOOL}/0/${n}`)).mode & 0o777);
    expect(modes).toEqual([0o640, 0o640, 0o640]);
  });

  // Whatever the descriptor limit, a fix fixes everything, or reports what it could not (an entry it cannot pin
  // fails with EMFILE) or the error that stopped it: never an internal error (the duplicate of the journal's
  // directory a change batch takes needs a descriptor too).
  it('never ends in an internal error for want of a descriptor', () => {
    const r = install({ dirs: 1, files: 40, fileMode: 0o644 });
    roots.push(r);
    const files = fs.readdirSync(r.h(`${SPOOL}/0`)).map((n) => r.h(`${SPOOL}/0/${n}`));
    const seen = new Set<number | null>();
    for (let limit = 30; limit <= 70; limit++) {
      for (const f of files) fs.chmodSync(f, 0o644);
      const p = spawnSync('prlimit', [`--nofile=${limit}:${limit}`, process.execPath, BIN, 'fix', '--root', r.dir, '--quiet'], { env: { ...process.env, MOMENTUM_PERMS_NATIVE: '1' }, encoding: 'utf8' });
      seen.add(p.status);
      expect(p.stderr, `limit ${limit}`).not.toMatch(/internal error/);
      const fixed = files.filter((f) => (fs.statSync(f).mode & 0o777) === 0o640).length;
      if (p.status === 0) expect(fixed, `limit ${limit}`).toBe(files.length);
      else {
        expect([2, 3], `limit ${limit}`).toContain(p.status);
        expect(p.stderr + p.stdout, `limit ${limit}`).toMatch(/MP\d{3}|\d+ failed/);
      }
    }
    // The range spans both: too few descriptors to begin, and enough to fix everything.
    expect(seen.has(0)).toBe(true);
    expect([...seen].some((s) => s !== 0)).toBe(true);
  });

  // With --since, a stopped run says what the snapshot comparison found in what it examined, before its report as a
  // whole run does, and not what a run would give; with --json on stderr, stdout one JSON document. Stopped before
  // any change, it says nothing of it.
  for (const mode of ['text', 'json', 'unchanged'] as const) {
    it.runIf(strace)(`a fix --since stopped by its journal says what it compared with the snapshot until then (${mode})`, () => {
      const r = install({ dirs: 1, files: 150 });
      roots.push(r);
      fs.mkdirSync(r.h('/var/lib/momentum-perms/journal'), { recursive: true, mode: 0o700 });
      fs.chmodSync(r.h('/var/lib/momentum-perms'), 0o700);
      const env = { ...process.env, MOMENTUM_PERMS_NATIVE: '1' };
      const snap = spawnSync(process.execPath, [BIN, 'snapshot', '--root', r.dir, '--include-spool', '--out', '/root/before.snap'], { env, encoding: 'utf8' });
      expect(snap.status, snap.stderr).toBe(0);
      // The "upgrade" drifts every spool file the snapshot recorded as 0640.
      for (const n of fs.readdirSync(r.h(`${SPOOL}/0`))) fs.chmodSync(r.h(`${SPOOL}/0/${n}`), 0o644);
      // The second batch's sync fails (68 fixed), or the first journal's sync (nothing fixed).
      const call = mode === 'unchanged' ? 'fsync' : 'fdatasync';
      const inject = ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${call}`, '-e', `inject=${call}:error=EIO:when=1`];
      const args = ['prlimit', '--nofile=400:400', process.execPath, BIN, 'fix', '--root', r.dir, '--since', '/root/before.snap', ...(mode === 'json' ? ['--json'] : [])];
      const p = spawnSync('strace', [...inject, ...args], { env, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(3);
      expect(p.stderr).toMatch(/MP305.*cannot write journal .*EIO/);
      const since = /Since the snapshot of \S+, in what the run examined before it stopped: (\d+) findings? changed by the upgrade/;
      if (mode === 'unchanged') {
        expect(p.stdout + p.stderr).not.toMatch(/Since the snapshot/);
        expect(p.stdout).toBe('');
        return;
      }
      const where = mode === 'json' ? p.stderr : p.stdout;
      expect(Number((since.exec(where) as RegExpExecArray)[1])).toBeGreaterThanOrEqual(68);
      expect(p.stdout + p.stderr).not.toMatch(/fix --since would give/);
      if (mode === 'json') {
        const report = JSON.parse(p.stdout) as { stopped: boolean; summary: { fixed: number } };
        expect(report).toMatchObject({ stopped: true, summary: { fixed: 68 } });
      } else {
        expect(p.stdout.indexOf('Since the snapshot')).toBeLessThan(p.stdout.indexOf('Stopped by the error below, having fixed 68 entries.'));
      }
    });
  }

  // An undo stopped the same way, of a journal whose last line a killed run cut short: both are said.
  it.runIf(strace)('an undo stopped by its journal says so, and that the journal it restores from was cut short', () => {
    const r = install({ dirs: 1, files: 150, fileMode: 0o644 });
    roots.push(r);
    const env = { ...process.env, MOMENTUM_PERMS_NATIVE: '1' };
    const f = spawnSync(process.execPath, [BIN, 'fix', '--root', r.dir, '--json'], { env, encoding: 'utf8' });
    expect(f.status, f.stderr).toBe(0);
    const journal = (JSON.parse(f.stdout) as { journal: string }).journal;
    fs.appendFileSync(r.h(journal), '{"path":"/var/spool/ecel');
    const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:error=EIO:when=1'];
    const p = spawnSync('strace', [...inject, 'prlimit', '--nofile=400:400', process.execPath, BIN, 'undo', journal, '--root', r.dir], { env, encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(3);
    expect(p.stderr).toMatch(/note: the last line of \S+ was cut short/);
    expect(p.stderr).toMatch(/MP305.*cannot write journal .*EIO/);
    expect(p.stdout).toMatch(/Stopped by the error below, having restored 68 entries\./);
  });

  it.runIf(strace)('the error that stopped a run stays the one reported when writing the report fails too (a closed pipe)', () => {
    const r = install({ dirs: 1, files: 150, fileMode: 0o644 });
    roots.push(r);
    const dist = BIN.replace(/bin\/momentum-perms\.js$/, 'dist');
    // main() in-process with a stdout that throws EPIPE on every write.
    const script = `
      const { main } = await import(${JSON.stringify(dist + '/cli.js')});
      const { memoryIo } = await import(${JSON.stringify(dist + '/commands/io.js')});
      const io = { ...memoryIo(), out: () => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); } };
      const code = await main(['node', 'momentum-perms', 'fix', '--root', ${JSON.stringify(r.dir)}], io);
      process.stdout.write(JSON.stringify({ code, err: io.stderr() }));`;
    const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:error=EIO:when=1'];
    const p = spawnSync('strace', [...inject, 'prlimit', '--nofile=400:400', process.execPath, '--input-type=module', '-e', script], { env: { ...process.env, MOMENTUM_PERMS_NATIVE: '1' }, encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(0);
    const got = JSON.parse(p.stdout) as { code: number; err: string };
    expect(got.code).toBe(3);
    expect(got.err).toMatch(/MP305.*cannot write journal .*EIO/);
  });

  it.runIf(strace)('a post-upgrade hook stopped by its journal logs what it changed and the undo, before the error', () => {
    const r = install({ dirs: 1, files: 150, fileMode: 0o644 });
    roots.push(r);
    const { dir, cleanup } = tempDir('files');
    try {
      const list = `${dir}/files`;
      fs.writeFileSync(list, fs.readdirSync(r.h(`${SPOOL}/0`)).map((n) => `${SPOOL}/0/${n}\n`).join(''));
      const inject = ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', 'inject=fdatasync:error=EIO:when=1'];
      const p = spawnSync('strace', [...inject, 'prlimit', '--nofile=400:400', process.execPath, BIN, 'hook', 'post-upgrade', '--root', r.dir, '--files-from', list, '--strict', '--no-syslog'], { env: { ...process.env, MOMENTUM_PERMS_NATIVE: '1' }, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(3);
      const out = p.stdout + p.stderr;
      const stoppedAt = out.indexOf('post-upgrade: stopped by the error below, having fixed 68, refused 0, failed 0; journal /var/lib/momentum-perms/journal/');
      expect(stoppedAt, out).toBeGreaterThanOrEqual(0);
      expect(out.slice(stoppedAt)).toMatch(/undo with: momentum-perms undo --root \S+ \/var\/lib\/momentum-perms\/journal\/\S+\n(.|\n)*could not do its job: .*MP305/);
    } finally {
      cleanup();
    }
  });
});
