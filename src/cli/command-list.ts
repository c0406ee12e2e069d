// aiw's commands, in the order `aiw --help` lists them. A start that names its command registers
// only that one (see commandsFor): building all of them costs a command-line start ~1 ms, and what
// commander compiles for the others, which the code cache would then carry.
import { Argument, type Command } from 'commander';
import { EXIT } from '../errors/errors.js';
import type { Io } from './io.js';
import type { GlobalOptions } from '../session/session.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { registerTrustCommands } from './trust-commands.js';
import { afterGlobalOptions } from './global-options.js';
import { tookPath } from '../model/code-paths.js';

export type Action = (io: Io) => Promise<number>;

export interface CommandContext {
  globals: (cmd: Command) => GlobalOptions;
  /** Called by a command's commander action with what to run once parsing is done. */
  set: (action: Action) => void;
}

type Register = (program: Command, ctx: CommandContext) => void;

const COMMANDS: Array<[string, Register]> = [
  ['run', (program, { globals, set }) => {
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
        set(async (io) => (await import('./commands/run.js')).runCommand(skill, { ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['tool', (program, { globals, set }) => {
    program
      .command('tool')
      .description('run one tool the way a step would (with auto-heal)')
      .argument('<name>', 'tool name')
      .option('-a, --arg <key=value>', 'an argument (repeatable)', collect, [])
      .option('--args-json <json>', 'arguments as one JSON object')
      .option('--json', 'print the result as JSON')
      .option('--no-heal', 'do not run quick fixes or retries')
      .action((name: string, _opts, cmd: Command) => {
        set(async (io) => (await import('./commands/tool.js')).toolCommand(name, { ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['skills', (program, { globals, set }) => {
    program
      .command('skills')
      .description('list the skills with their descriptions')
      .option('--json', 'print JSON')
      .option('--names', 'print only the names, one per line (for scripts and shell completion)')
      .action((_opts, cmd: Command) => {
        set(async (io) => (await import('./commands/list.js')).listSkills({ ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['tools', (program, { globals, set }) => {
    program
      .command('tools')
      .description('list the tools with their descriptions')
      .option('--json', 'print JSON')
      .option('--names', 'print only the names, one per line (for scripts and shell completion)')
      .option('--refresh', "read the tool lists of MCP servers again (instead of the cached ones)")
      .action((_opts, cmd: Command) => {
        set(async (io) => (await import('./commands/list.js')).listTools({ ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['validate', (program, { globals, set }) => {
    program
      .command('validate')
      .description('check skills, tools, config and memory files; every problem as file:line:col')
      .argument('[files...]', 'files to check (default: everything in the project)')
      .option('--json', 'print the problems as JSON')
      .action((files: string[], _opts, cmd: Command) => {
        set(async (io) => (await import('./commands/validate.js')).validateCommand(files, { ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['import', (program, { globals, set }) => {
    program
      .command('import')
      .description("turn the Python project's skills/ into aiw skills and copy its memory/learned/ (the source is never changed)")
      .argument('<dir>', "the Python project's root (holding skills/)")
      .option('--out <dir>', 'the aiw project to write (default: the current folder)')
      .option('--json', 'print the report as JSON')
      .action((dir: string, _opts, cmd: Command) => {
        set(async (io) => (await import('./commands/import.js')).importCommand(dir, { ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['mcp', (program, { globals, set }) => {
    program
      .command('mcp')
      .description('serve skills, tools and the learning loop to AI agents over MCP (stdio, or Streamable HTTP with --http)')
      .option('--http <host:port>', 'serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio')
      .option('--token-env <name>', 'environment variable with the bearer token HTTP clients must send (default AIW_MCP_TOKEN; required off loopback)')
      .option('--read-only', 'expose only what changes nothing: known issues, debug_tool, memory views, plans')
      .action((_opts, cmd: Command) => {
        set(async (io) => (await import('./commands/mcp.js')).mcpCommand({ ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['known-issues', (program, { globals, set }) => {
    program
      .command('known-issues')
      .description('look up learned fixes and known error patterns for a tool and/or an error text')
      .option('--tool <name>', 'tool name')
      .option('--error <text>', 'error text')
      .option('--json', 'print JSON')
      .action((_opts, cmd: Command) => {
        set(async (io) => (await import('./commands/known-issues.js')).knownIssuesCommand({ ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['learn-fix', (program, { globals, set }) => {
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
  }],
  ['debug-tool', (program, { globals, set }) => {
    program
      .command('debug-tool')
      .description('where a tool is defined, what it ran, its recent failures, known issues, and how to fix and record the fix')
      .argument('<tool>', 'tool name')
      .argument('[error...]', 'the error text you saw')
      .option('--json', 'print JSON')
      .action((tool: string, error: string[], _opts, cmd: Command) => {
        set(async (io) => (await import('./commands/debug-tool.js')).debugToolCommand(tool, error.join(' '), { ...globals(cmd), ...cmd.opts() }, io));
      });
  }],
  ['memory', (program, { globals, set }) => {
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
        tookPath(`memory:${view}`);
        if (['migrate', 'sync', 'export', 'import'].includes(view)) {
          set(async (io) => (await import('./commands/memory-admin.js')).memoryAdminCommand(view as 'migrate', { ...globals(cmd), ...cmd.opts() }, io));
          return;
        }
        set(async (io) => (await import('./commands/memory.js')).memoryCommand(view, { ...globals(cmd), ...cmd.opts() }, io));
      });
    registerTrustCommands(memory, globals, set);
  }],
  ['init', (program, { globals, set }) => {
    program
      .command('init')
      .description('start a project: skills/, tools/, memory/, aiw.config.yaml (including the shipped basics tools) and a GitHub Actions workflow; existing files are kept')
      .argument('[dir]', 'directory to set up (default: --root, else the current directory)')
      .action((dir: string | undefined, _opts, cmd: Command) => {
        set(async (io) => (await import('./commands/init.js')).initCommand(dir ?? globals(cmd).root, io));
      });
  }],
  ['completion', (program, { set }) => {
    program
      .command('completion')
      .description('print a shell completion script (commands, options, skill and tool names)')
      .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
      .action((shell: Shell) => {
        set(async (io) => {
          io.stdout.write(completionScript(shell, program));
          return EXIT.ok;
        });
      });
  }],
];

/**
 * The commands to register for argv: only the one it names, when the first word after the global
 * options is one of ours; else all (help, the version, an unknown command and its "did you mean",
 * `completion`, which lists them all).
 */
export function commandsFor(argv: readonly string[]): Array<[string, Register]> {
  const word = argv[afterGlobalOptions(argv)];
  const named = word === 'completion' ? undefined : COMMANDS.find(([name]) => name === word);
  return named ? [named] : COMMANDS;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
