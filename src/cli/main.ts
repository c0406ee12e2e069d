import { Argument, Command, CommanderError } from 'commander';
import { EXIT } from '../errors/errors.js';
import type { Io } from './io.js';
import { reportError } from './print-error.js';
import type { GlobalOptions } from '../session/session.js';
import { aiwVersion } from './version.js';
import { registerTrustCommands } from './trust-commands.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success (or partial: a step with on_error continue/auto_heal failed)
  1    a skill or tool failed
  2    bad usage, unknown skill or tool, invalid YAML, schema or inputs
  130  interrupted (Ctrl-C or SIGTERM)

Environment:
  AIW_ROOT        project root (skills/, tools/, memory/, aiw.config.yaml)
  AIW_MEMORY_DIR  memory directory (default <root>/memory)
  CI              non-interactive output: no spinner, no colour, one line per event
  NO_COLOR        never colour;  FORCE_COLOR  colour even when piped
  GITHUB_ACTIONS  annotations, groups and a step summary on GitHub Actions
`;

type Action = (io: Io) => Promise<number>;

/** Parse argv, run one command, map every outcome to an exit code. The only place that knows argv. */
export async function run(argv: string[], io: Io): Promise<number> {
  let action: Action | undefined;
  const program = new Command('aiw')
    .description('Run YAML skills that call tools, heal the failures they know, and learn from every fix.')
    .version(aiwVersion(), '-V, --version')
    .option('--root <dir>', 'project root holding skills/, tools/, memory/ (default: nearest ancestor with skills/, or $AIW_ROOT)')
    .option('--memory-dir <dir>', 'memory directory (default: <root>/memory, or $AIW_MEMORY_DIR)')
    .option('--debug', 'show stack traces and internal detail')
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

  program
    .command('run')
    .description('run a skill')
    .argument('<skill>', 'skill name (skills/<name>.yaml) or path to a skill file')
    .option('-i, --input <key=value>', 'an input (repeatable); converted to the declared type', collect, [])
    .option('--inputs-json <json>', 'inputs as one JSON object')
    .option('--json', 'print one JSON document with every step on stdout; logs go to stderr')
    .option('--plan', 'show the steps without running anything')
    .option('--junit <file>', 'write a JUnit XML report, one testcase per step')
    .action((skill: string, _opts, cmd: Command) => {
      action = async (io) => (await import('./commands/run.js')).runCommand(skill, { ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('tool')
    .description('run one tool the way a step would (with auto-heal)')
    .argument('<name>', 'tool name')
    .option('-a, --arg <key=value>', 'an argument (repeatable)', collect, [])
    .option('--args-json <json>', 'arguments as one JSON object')
    .option('--json', 'print the result as JSON')
    .option('--no-heal', 'do not run quick fixes or retries')
    .action((name: string, _opts, cmd: Command) => {
      action = async (io) => (await import('./commands/tool.js')).toolCommand(name, { ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('skills')
    .description('list the skills with their descriptions')
    .option('--json', 'print JSON')
    .action((_opts, cmd: Command) => {
      action = async (io) => (await import('./commands/list.js')).listSkills({ ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('tools')
    .description('list the tools with their descriptions')
    .option('--json', 'print JSON')
    .action((_opts, cmd: Command) => {
      action = async (io) => (await import('./commands/list.js')).listTools({ ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('validate')
    .description('check skills, tools, config and memory files; every problem as file:line:col')
    .argument('[files...]', 'files to check (default: everything in the project)')
    .option('--json', 'print the problems as JSON')
    .action((files: string[], _opts, cmd: Command) => {
      action = async (io) => (await import('./commands/validate.js')).validateCommand(files, { ...globals(cmd), ...cmd.opts() }, io);
    });

  registerMemoryCommands(program, globals, (a) => (action = a));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportError(err, io);
  }
  if (!action) {
    program.outputHelp();
    return EXIT.usage;
  }
  const debug = argv.includes('--debug');
  try {
    return await action(io);
  } catch (err) {
    return reportError(err, io, debug);
  }
}

function registerMemoryCommands(program: Command, globals: (cmd: Command) => GlobalOptions, set: (a: Action) => void): void {
  program
    .command('known-issues')
    .description('look up learned fixes and known error patterns for a tool and/or an error text')
    .option('--tool <name>', 'tool name')
    .option('--error <text>', 'error text')
    .option('--json', 'print JSON')
    .action((_opts, cmd: Command) => {
      set(async (io) => (await import('./commands/known-issues.js')).knownIssuesCommand({ ...globals(cmd), ...cmd.opts() }, io));
    });

  program
    .command('learn-fix')
    .description('save a fix to memory so the same failure is recognised (and, with a remedy, healed) next time')
    .argument('[tool]', 'tool name')
    .argument('[pattern]', 'error pattern: plain text (word boundaries) or /regex/flags')
    .argument('[root_cause]', 'why it failed')
    .argument('[fix]', 'what fixed it')
    .option('--tool <name>', 'tool name')
    .option('--pattern <pattern>', 'error pattern')
    .option('--root-cause <text>', 'why it failed')
    .option('--fix <text>', 'what fixed it')
    .option('--remedy-tool <tool>', 'a tool aiw runs by itself next time, before retrying once')
    .option('--remedy-arg <key=value>', 'an argument for the remedy tool (repeatable)', collect, [])
    .option('--trust', 'trust the remedy on this machine now, so it runs by itself (otherwise it is only suggested)')
    .option('--json', 'print JSON')
    .action((tool, pattern, rootCause, fix, _opts, cmd: Command) => {
      const positional = { tool, pattern, rootCause, fix } as Record<string, string | undefined>;
      set(async (io) => (await import('./commands/learn-fix.js')).learnFixCommand(positional, { ...globals(cmd), ...cmd.opts() }, io));
    });

  program
    .command('debug-tool')
    .description('where a tool is defined, what it ran, its recent failures, known issues, and how to fix and record the fix')
    .argument('<tool>', 'tool name')
    .argument('[error...]', 'the error text you saw')
    .option('--json', 'print JSON')
    .action((tool: string, error: string[], _opts, cmd: Command) => {
      set(async (io) => (await import('./commands/debug-tool.js')).debugToolCommand(tool, error.join(' '), { ...globals(cmd), ...cmd.opts() }, io));
    });

  const memory = program
    .command('memory')
    .description('view memory: learned fixes, patterns, failures, stats; trust learned remedies')
    .addArgument(new Argument('[view]', 'what to show').choices(['all', 'fixes', 'patterns', 'failures', 'stats']).default('all'))
    .option('--json', 'print JSON')
    .option('--limit <n>', 'failures to show (newest first)', '20')
    .action((view: string, _opts, cmd: Command) => {
      set(async (io) => (await import('./commands/memory.js')).memoryCommand(view, { ...globals(cmd), ...cmd.opts() }, io));
    });
  registerTrustCommands(memory, globals, set);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
