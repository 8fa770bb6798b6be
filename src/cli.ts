/**
 * The command line: parses arguments with commander, calls a command module, maps the result to an exit
 * status. Commands live in src/commands/ and only use the programmatic API (src/index.ts) and an Io.
 */
import { Command, CommanderError, Option } from 'commander';
import { isMpError, renderError } from './errors.js';
import { EXIT, processIo, type Io } from './commands/io.js';
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
      .option('--local-rules <file>', "the administrator's rules file", '/etc/momentum-perms/local.rules')
      .addOption(new Option('--rule-set <version>', 'rule set to use instead of the one chosen from the install').choices(['3.x', '4.x']))
      .option('--cross-filesystems', 'descend into other filesystems below a tree (default: stay on one)')
      .option('--no-packages', "leave out the package layer (what Momentum's rpm packages declare)")
      .option('--rpm-dbpath <dir>', 'the rpm database under --root (default: /usr/lib/sysimage/rpm or /var/lib/rpm)');
  }
  if (what.state) cmd.option('--state-dir <dir>', 'journals, snapshots and the lock', '/var/lib/momentum-perms');
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
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

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
    .option('--quiet', 'print nothing when there are no findings')
    .option('--since <snapshot>', 'mark findings changed-by-upgrade, preexisting or new against a snapshot')
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
    .option('--dry-run', 'print the plan (path, before → after) and change nothing')
    .option('--json', 'print JSON')
    .option('--journal <file>', 'journal file (default: a new file in STATE-DIR/journal/)')
    .option('--only <rule-or-path...>', 'fix only entries under PATH or found by RULE (file:line)')
    .option('--since <snapshot>', "restore the snapshot's values where the upgrade changed them and the rules allow")
    .option('--quiet', 'print nothing when there was nothing to do')
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
    ['momentum-perms snapshot', 'momentum-perms snapshot --include-spool --out /root/before.snap'],
  )
    .option('--out <file>', 'where to write (default: STATE-DIR/snapshots/<time>.snap)')
    .option('--include-spool', 'include the spool (large)')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { out?: string; includeSpool?: boolean }) => {
      const m = await import('./commands/snapshot.js');
      run((io) => m.runSnapshot(o, io));
    });

  examples(
    addCommon(
      program
        .command('hook')
        .argument('<phase>', 'pre-upgrade or post-upgrade')
        .description('for package scriptlets: snapshot before an upgrade, fix --since after it; never blocks the transaction'),
      { rules: true, state: true },
    ),
    ['momentum-perms hook pre-upgrade', 'momentum-perms hook post-upgrade'],
  )
    .option('--strict', 'exit non-zero when the hook could not do its job')
    .option('--log-file <file>', 'log file (default: /var/log/momentum-perms.log)')
    .option('--no-syslog', 'do not log to syslog')
    .action(async (phase: string, o: CommonOptions & { strict?: boolean; logFile?: string; syslog?: boolean }) => {
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

  return program;
}

/** Run the CLI; returns the exit status. Expected failures never produce a stack trace. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // `momentum-perms audit | head -1` must end quietly, not with an unhandled EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  let pending: Runner | undefined;
  const program = buildProgram((r) => {
    pending = r;
  });
  program.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exitCode 0; everything else is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
  if (!pending) return EXIT.ok;
  try {
    return await pending(io);
  } catch (e) {
    if (isMpError(e)) {
      io.err(renderError(e) + '\n');
      // Another run holding the lock, or a journal/output that could not be written, is "could not finish" (3),
      // not a usage error: rerunning later may succeed.
      return e.code === 'MP301' || e.code === 'MP305' ? EXIT.incomplete : EXIT.usage;
    }
    throw e;
  }
}
