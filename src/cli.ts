/**
 * The command line: parses arguments with commander and runs a command module. Each command resolves its
 * settings (src/settings.ts), calls the programmatic API (src/index.ts), hands the result to a reporter
 * (src/report/) and returns the exit status src/exit.ts decides; an error's status is decided there too.
 */
import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import { Chalk } from 'chalk';
import { isMpError, MpError, renderError } from './errors.js';
import { exitStatus } from './exit.js';
import { processIo, stdoutState, type Io } from './commands/io.js';
import { DEFAULT_STATE_DIR, LOCAL_RULES } from './settings.js';
import type { AuditCliOptions, CommonOptions, FixCliOptions } from './commands/options.js';

type Runner = (io: Io) => Promise<number> | number;

function addCommon(cmd: Command, what: { rules?: boolean; state?: boolean } = {}): Command {
  cmd
    .option('--root <dir>', 'treat DIR as / for every path read or changed (like rpm --root)')
    .option('--config <file>', 'the ecelerity.conf to read (default: CONFFILE= in etc/environment, else the search path)')
    .option('--node <name>', 'node name for {NODENAME} in the 4.x search path (default: the host name)');
  if (what.rules) {
    cmd
      .option('--rules <file>', 'an extra rules file, layered after the shipped and local rules')
      .option('--local-rules <file>', "the administrator's rules file", LOCAL_RULES)
      .addOption(new Option('--rule-set <version>', 'rule set to use instead of the one chosen from the install').choices(['3.x', '4.x']))
      .option('--cross-filesystems', 'descend into other filesystems below a tree (default: stay on one)')
      .option('--no-packages', "leave out the package layer (what Momentum's rpm packages declare)")
      .option('--rpm-dbpath <dir>', 'the rpm database under --root (default: /usr/lib/sysimage/rpm or /var/lib/rpm)');
  }
  if (what.state) cmd.option('--state-dir <dir>', 'journals, snapshots and the lock', DEFAULT_STATE_DIR);
  return cmd;
}

function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Build the program. `run` receives the command's thunk so that main() owns error handling. */
export function buildProgram(run: (r: Runner) => void): Command {
  const program = new Command('momentum-perms')
    .description(
      "Keep a Momentum (ecelerity) install owned and moded the way its configuration says, above all after an upgrade.",
    )
    .version('0.1.0')
    .addOption(new Option('--color <when>', 'colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never').choices(['auto', 'always', 'never']))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // A --root that does not exist is said as such, before any command looks for a configuration under it.
  // (`example --root` creates its directory; a hook never fails its package transaction.)
  program.hook('preAction', (_p, action) => {
    const root = (action.opts() as { root?: unknown }).root;
    if (typeof root !== 'string' || action.name() === 'example' || action.name() === 'hook') return;
    const st = fs.statSync(root, { throwIfNoEntry: false });
    if (st === undefined) throw new MpError('MP300', `--root ${root}: no such directory`);
    if (!st.isDirectory()) throw new MpError('MP300', `--root ${root}: not a directory`);
  });

  examples(
    addCommon(program.command('config').description('show the configuration as the tool reads it: file, Security user/group, paths')),
    ['momentum-perms config', 'momentum-perms config --root /srv/chroot --json'],
  )
    .option('--json', 'print JSON')
    .option('--no-packages', "leave out the package layer (what Momentum's rpm packages declare)")
    .option('--rpm-dbpath <dir>', 'the rpm database under --root (default: /usr/lib/sysimage/rpm or /var/lib/rpm)')
    .action(async (o: CommonOptions) => {
      const m = await import('./commands/config.js');
      run((io) => m.runConfig(o, io));
    });

  examples(
    addCommon(program.command('audit').description('report every entry whose owner, group or mode drifted from the rules'), {
      rules: true,
      state: true,
    }),
    ['momentum-perms audit', 'momentum-perms audit --quiet            # for cron: silent when all is well', 'momentum-perms audit --format prometheus --output /var/lib/node_exporter/momentum.prom'],
  )
    .option('--json', 'print one JSON document (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'ndjson', 'prometheus']))
    .option('--output <file>', 'write the report to FILE atomically instead of stdout')
    .option('-q, --quiet', 'print nothing when there are no findings')
    .option('--since <snapshot>', 'mark findings changed-by-upgrade, preexisting or new against a snapshot')
    .option('--metrics', "write node_exporter metrics to the textfile directory (same as --format prometheus --output DIR/momentum_perms.prom)")
    .option('--textfile-dir <dir>', 'the textfile directory for --metrics (default: $MOMENTUM_PERMS_TEXTFILE_DIR, else the first that exists of /var/lib/prometheus/node-exporter and /var/lib/node_exporter/textfile_collector)')
    .action(async (o: AuditCliOptions) => {
      const m = await import('./commands/audit.js');
      run((io) => m.runAudit(o, io));
    });

  examples(
    addCommon(program.command('rules').description('print the effective rules with their origin'), { rules: true }),
    ['momentum-perms rules', 'momentum-perms rules --json'],
  )
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions) => {
      const m = await import('./commands/rules.js');
      run((io) => m.runRules(o, io));
    });

  examples(
    addCommon(program.command('explain').argument('<path>', 'a Momentum path').description('show which rules apply to PATH, what they expect, what it has, and the verdict'), {
      rules: true,
    }),
    ['momentum-perms explain /var/spool/ecelerity/A/B/0001'],
  )
    .option('--json', 'print JSON')
    .action(async (p: string, o: CommonOptions) => {
      const m = await import('./commands/explain.js');
      run((io) => m.runExplain(p, o, io));
    });

  examples(
    addCommon(program.command('verify').description("rpm -V for Momentum's package files, answered with the Security stanza and the rules"), { rules: true }),
    ['momentum-perms verify', 'momentum-perms verify --json'],
  )
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions) => {
      const m = await import('./commands/verify.js');
      run((io) => m.runVerify(o, io));
    });

  examples(
    addCommon(program.command('fix').description('correct owner, group and mode drift safely, with a journal for undo'), {
      rules: true,
      state: true,
    }),
    ['momentum-perms fix --dry-run', 'momentum-perms fix', 'momentum-perms fix --only /opt/msys/ecelerity/etc/conf'],
  )
    .option('-n, --dry-run', 'print the plan (path, before → after) and change nothing')
    .option('--json', 'print JSON')
    .option('--journal <file>', 'journal file (default: a new file in STATE-DIR/journal/)')
    .option('--only <rule-or-path...>', 'fix only entries under PATH or found by RULE (file:line)')
    .option('--since <snapshot>', "restore the snapshot's values where the upgrade changed them and the rules allow")
    .option('-q, --quiet', 'print nothing when there was nothing to do')
    .action(async (o: FixCliOptions) => {
      const m = await import('./commands/fix.js');
      run((io) => m.runFix(o, io));
    });

  examples(
    addCommon(program.command('undo').argument('<journal>', 'a journal written by fix').description('restore what a fix changed, where it is still as the fix left it'), {
      state: true,
    }),
    ['momentum-perms undo /var/lib/momentum-perms/journal/2026-11-26T10-00-00Z.jsonl'],
  )
    .option('--json', 'print JSON')
    .action(async (j: string, o: CommonOptions) => {
      const m = await import('./commands/undo.js');
      run((io) => m.runUndo(j, o, io));
    });

  examples(
    addCommon(program.command('snapshot').description('record owner, group and mode of every entry of the Momentum trees'), {
      rules: true,
      state: true,
    }),
    ['momentum-perms snapshot', 'momentum-perms snapshot --include-spool --out /root/before.snap', 'momentum-perms snapshot --baseline   # for the periodic audit: what the hooks fall back on'],
  )
    .option('--out <file>', 'where to write (default: STATE-DIR/snapshots/<time>.snap)')
    .option('--include-spool', 'include the spool (large)')
    .option('--baseline', 'refresh STATE-DIR/snapshots/baseline.snap, which post-upgrade restores from when no pre-upgrade snapshot was taken')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { out?: string; includeSpool?: boolean; baseline?: boolean }) => {
      const m = await import('./commands/snapshot.js');
      run((io) => m.runSnapshot(o, io));
    });

  examples(
    addCommon(
      program
        .command('hook')
        .argument('<phase>', 'pre-upgrade, post-upgrade or post-transaction')
        .description('for package triggers: snapshot before a transaction, fix after it; never blocks the transaction'),
      { rules: true, state: true },
    ),
    [
      'momentum-perms hook pre-upgrade --files-from -     # rpm %transfiletriggerun: the file names on stdin',
      'momentum-perms hook post-upgrade --files-from -    # rpm %transfiletriggerin',
      'momentum-perms hook post-transaction               # rpm %transfiletriggerpostun, apt DPkg::Post-Invoke',
    ],
  )
    .option('--files-from <file>', "the transaction's file names, one per line ('-': standard input)")
    .option('--textfile-dir <dir>', "where the hook's node_exporter metrics go (default as for audit --metrics)")
    .option('--strict', 'exit non-zero when the hook could not do its job')
    .option('--log-file <file>', 'log file (default: /var/log/momentum-perms.log)')
    .option('--no-syslog', 'do not log to syslog')
    .action(async (phase: string, o: CommonOptions & { strict?: boolean; logFile?: string; syslog?: boolean; filesFrom?: string; textfileDir?: string }) => {
      const m = await import('./commands/hook.js');
      run((io) => m.runHook(phase, o, io));
    });

  examples(program.command('example').description('build a small Momentum install with drift in a temporary directory and audit it'), [
    'momentum-perms example',
    'momentum-perms example --keep   # leave the example root behind to try fix and undo',
  ])
    .option('--root <dir>', 'build the example in DIR (new or empty; kept) instead of a temporary directory')
    .option('--keep', 'keep the example root and print its path')
    .option('--json', 'print the audit as JSON')
    .action(async (o: { keep?: boolean; json?: boolean; root?: string }) => {
      const m = await import('./commands/example.js');
      run((io) => m.runExample(o, io));
    });

  examples(
    program
      .command('completion')
      .argument('<shell>', 'bash or zsh')
      .description('print the shell completion script (the system packages install it)'),
    ['momentum-perms completion bash > /etc/bash_completion.d/momentum-perms', 'momentum-perms completion zsh > "${fpath[1]}/_momentum-perms"'],
  ).action(async (shell: string) => {
    const m = await import('./completion.js');
    const args = { hook: HOOK_PHASE_WORDS, explain: 'file', undo: 'file', completion: ['bash', 'zsh'] } as const;
    run((io) => {
      if (shell === 'bash') io.out(m.bashCompletion(program, args));
      else if (shell === 'zsh') io.out(m.zshCompletion(program, args));
      else throw new MpError('MP300', `no completion for shell "${shell}" (known: bash, zsh)`);
      return exitStatus({ kind: 'shown' });
    });
  });

  program.addHelpText(
    'after',
    `\nExit status (every command): 0 all is well; 1 findings or drift left; 2 usage, configuration or rules error, or a
refusal to run; 3 could not finish (paths not examined, a change failed, the lock held, an output not written).
hook exits 0 unless --strict. Manual: man 8 momentum-perms.\n`,
  );
  return program;
}

/** The hook phases, for completion (the hook command checks them itself, with its own message). */
const HOOK_PHASE_WORDS = ['pre-upgrade', 'post-upgrade', 'post-transaction'] as const;

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  stdoutState.error ??= e.code ?? e.message;
}

/**
 * Standard error that cannot be written (the same full disk as standard output, `> log 2>&1`): nothing is left to
 * say it on, and the status says what the run found. Unhandled, the error would end the process with status 1,
 * hiding a 2 or a 3.
 */
function onStderrError(): void {
  // nowhere to say it
}

/** At exit: a report that could not be written is said on stderr, and the status is 3 (see stdoutState). */
function onExit(): void {
  if (stdoutState.error === null || !stdoutState.matters) return;
  try {
    process.stderr.write(`momentum-perms: cannot write standard output: ${stdoutState.error}\n`);
  } catch {
    // stderr gone too: the status still says it
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (code === 0 || code === 1) process.exitCode = 3;
}

/** Run the CLI; returns the exit status. Expected failures never produce a stack trace. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // `momentum-perms audit | head -1` must end quietly, not with an unhandled EPIPE. Once per process: tests
  // call main() many times in one process.
  if (!process.stdout.listeners('error').includes(onStdoutError)) {
    process.stdout.on('error', onStdoutError);
    process.stderr.on('error', onStderrError);
    process.on('exit', onExit);
  }
  // Per call (a library or test runs main() many times in one process): the hook says so again when it runs.
  stdoutState.matters = true;
  let pending: Runner | undefined;
  const program = buildProgram((r) => {
    pending = r;
  });
  // Subcommands copied the program's settings when they were made: each is configured here.
  for (const c of [program, ...program.commands]) {
    c.configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Usage errors carry their code like every other error: `error MP300: unknown option '--bogus'`.
      outputError: (s, write) => write(s.replace(/^error: /, 'error MP300: ')),
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exitCode 0; everything else is a usage error.
      return exitStatus({ kind: e.exitCode === 0 ? 'shown' : 'usage' });
    }
    if (isMpError(e)) {
      io.err(renderError(e) + '\n');
      return exitStatus({ kind: 'usage' });
    }
    throw e;
  }
  const when = (program.opts() as { color?: string }).color;
  if (when === 'always') io = { ...io, color: new Chalk({ level: Math.max(io.color.level, 1) as 1 | 2 | 3 }) };
  else if (when === 'never') io = { ...io, color: new Chalk({ level: 0 }) };
  if (!pending) return exitStatus({ kind: 'shown' });
  try {
    return await pending(io);
  } catch (e) {
    if (isMpError(e)) {
      io.err(renderError(e) + '\n');
      return exitStatus({ kind: 'error', error: e });
    }
    throw e;
  }
}
