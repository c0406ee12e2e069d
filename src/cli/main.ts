import { Command, CommanderError } from 'commander';
import { EXIT } from '../errors/errors.js';
import { colorLevel, type Io } from './io.js';
import { outputSink } from '../report/output-sink.js';
import { errorDocument, reportError } from './print-error.js';
import type { GlobalOptions } from '../session/session.js';
import { aiwVersion } from './version.js';
import { examplesHelp, tableHelp } from './help.js';
import { commandsFor, type Action, type CommandContext } from './command-list.js';

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

  const ctx: CommandContext = { globals, set: (a) => (action = a) };
  for (const [, register] of commandsFor(argv)) register(program, ctx);

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

function sinkIo(io: Io): Io {
  return {
    ...io,
    stdout: outputSink(io.stdout, { colour: colorLevel(io) > 0 }),
    stderr: outputSink(io.stderr, { colour: colorLevel({ ...io, stdout: io.stderr }) > 0 }),
  };
}
