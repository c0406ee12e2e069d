import { Argument, Command, CommanderError } from 'commander';
import { EXIT } from '../errors/errors.js';
import { colorLevel, type Io } from './io.js';
import { outputSink } from '../report/output-sink.js';
import { errorDocument, reportError } from './print-error.js';
import type { GlobalOptions } from '../session/session.js';
import { aiwVersion } from './version.js';
import { examplesHelp, tableHelp } from './help.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { registerTrustCommands } from './trust-commands.js';

const EXIT_CODES: Array<[string, string]> = [
  ['0', 'success (or partial: a step with on_error continue/auto_heal failed)'],
  ['1', 'a skill or tool failed'],
  ['2', 'bad usage, unknown skill or tool, invalid YAML, schema or inputs'],
  ['130', 'interrupted (Ctrl-C or SIGTERM)'],
];
const ENVIRONMENT: Array<[string, string]> = [
  ['AIW_ROOT', 'project root (skills/, tools/, memory/, aiw.config.yaml)'],
  ['AIW_MEMORY_DIR', 'memory directory (default <root>/memory)'],
  ['CI', 'non-interactive output: no spinner, no colour, one line per event'],
  ['NO_COLOR', 'never colour; FORCE_COLOR: colour even when piped'],
  ['GITHUB_ACTIONS', 'annotations, groups and a step summary on GitHub Actions'],
];

/** A command in the list of commands: its name and first arguments; the full usage is in its own help. */
function shortTerm(cmd: Command): string {
  const args = cmd.registeredArguments.slice(0, 2).map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
  return [cmd.name(), ...args].join(' ');
}

/** The terminal's width for help text: the TTY's columns, else $COLUMNS, else 80. */
function helpWidth(io: Io): number {
  const columns = io.stdout.columns ?? Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 20 ? columns : 80;
}

type Action = (io: Io) => Promise<number>;

/** Parse argv, run one command, map every outcome to an exit code. The only place that knows argv. */
export async function run(argv: string[], given: Io): Promise<number> {
  // From here on every byte printed goes through the output sink: secrets masked, no terminal escapes but our colours.
  const io = sinkIo(given);
  let action: Action | undefined;
  const program = new Command('aiw')
    .description('Run YAML skills that call tools, heal the failures they know, and learn from every fix.')
    .version(aiwVersion(), '-V, --version')
    .option('--root <dir>', 'project root holding skills/, tools/, memory/ (default: nearest ancestor with skills/, or $AIW_ROOT)')
    .option('--memory-dir <dir>', 'memory directory (default: <root>/memory, or $AIW_MEMORY_DIR)')
    .option('--debug', 'show stack traces and internal detail')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Every command's help shows the global options too; set before the commands inherit it.
    .configureHelp({ showGlobalOptions: true, minWidthToWrap: 10, subcommandTerm: shortTerm })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => width, getErrHelpWidth: () => width,
    });
  const width = helpWidth(io);
  program.addHelpText('after', () => `${examplesHelp('aiw', width)}${tableHelp('Exit codes', EXIT_CODES, width)}${tableHelp('Environment', ENVIRONMENT, width)}`);
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
    .option('-q, --quiet', 'print only failures, warnings and the closing line')
    .option('-v, --verbose', "also print each tool's command line and stream its output, prefixed by the step")
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
    .option('--names', 'print only the names, one per line (for scripts and shell completion)')
    .action((_opts, cmd: Command) => {
      action = async (io) => (await import('./commands/list.js')).listSkills({ ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('tools')
    .description('list the tools with their descriptions')
    .option('--json', 'print JSON')
    .option('--names', 'print only the names, one per line (for scripts and shell completion)')
    .option('--refresh', "read the tool lists of MCP servers again (instead of the cached ones)")
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

  program
    .command('import')
    .description("turn the Python project's skills/ into aiw skills and copy its memory/learned/ (the source is never changed)")
    .argument('<dir>', "the Python project's root (holding skills/)")
    .option('--out <dir>', 'the aiw project to write (default: the current folder)')
    .option('--json', 'print the report as JSON')
    .action((dir: string, _opts, cmd: Command) => {
      action = async (io) => (await import('./commands/import.js')).importCommand(dir, { ...globals(cmd), ...cmd.opts() }, io);
    });

  program
    .command('mcp')
    .description('serve skills, tools and the learning loop to AI agents over MCP (stdio, or Streamable HTTP with --http)')
    .option('--http <host:port>', 'serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio')
    .option('--token-env <name>', 'environment variable with the bearer token HTTP clients must send (default AIW_MCP_TOKEN; required off loopback)')
    .option('--read-only', 'expose only what changes nothing: known issues, debug_tool, memory views, plans')
    .action((_opts, cmd: Command) => {
      action = async (io) => (await import('./commands/mcp.js')).mcpCommand({ ...globals(cmd), ...cmd.opts() }, io);
    });

  registerMemoryCommands(program, globals, (a) => (action = a));

  program
    .command('init')
    .description('start a project: skills/, tools/, memory/, aiw.config.yaml (including the shipped basics tools) and a GitHub Actions workflow; existing files are kept')
    .argument('[dir]', 'directory to set up (default: --root, else the current directory)')
    .action((dir: string | undefined, _opts, cmd: Command) => {
      action = async (io) => (await import('./commands/init.js')).initCommand(dir ?? globals(cmd).root, io);
    });

  program
    .command('completion')
    .description('print a shell completion script (commands, options, skill and tool names)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      action = async (io) => {
        io.stdout.write(completionScript(shell, program));
        return EXIT.ok;
      };
    });

  for (const cmd of program.commands) cmd.addHelpText('after', () => examplesHelp(cmd.name(), width));

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
    // `--json` promises one document on stdout, also when the command could not run at all.
    if (argv.includes('--json')) io.stdout.write(`${JSON.stringify(errorDocument(err))}\n`);
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
    .addArgument(new Argument('[view]', 'what to show, or (PostgreSQL backend) migrate the schema, sync the offline spool, export to or import from files')
      .choices(['all', 'fixes', 'patterns', 'failures', 'stats', 'migrate', 'sync', 'export', 'import']).default('all'))
    .option('--json', 'print JSON')
    .option('--limit <n>', 'failures to show (newest first)', '20')
    .option('--to <dir>', 'export: the memory folder to write learned/*.yaml into')
    .option('--from <dir>', 'import: the memory folder to read learned/*.yaml from (default: the project\'s)')
    .option('--force', 'export: replace existing files')
    .action((view: string, _opts, cmd: Command) => {
      if (['migrate', 'sync', 'export', 'import'].includes(view)) {
        set(async (io) => (await import('./commands/memory-admin.js')).memoryAdminCommand(view as 'migrate', { ...globals(cmd), ...cmd.opts() }, io));
        return;
      }
      set(async (io) => (await import('./commands/memory.js')).memoryCommand(view, { ...globals(cmd), ...cmd.opts() }, io));
    });
  registerTrustCommands(memory, globals, set);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function sinkIo(io: Io): Io {
  return {
    ...io,
    stdout: outputSink(io.stdout, { colour: colorLevel(io) > 0 }),
    stderr: outputSink(io.stderr, { colour: colorLevel({ ...io, stdout: io.stderr }) > 0 }),
  };
}
