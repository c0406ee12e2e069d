import type { Command } from 'commander';
import type { Io } from './io.js';
import type { GlobalOptions } from '../session/session.js';
import { tookPath } from '../model/code-paths.js';

type Action = (io: Io) => Promise<number>;

/** `aiw memory trust|untrust|trusted`: the person's side of the trust ladder of learned remedies. */
export function registerTrustCommands(memory: Command, globals: (cmd: Command) => GlobalOptions, set: (a: Action) => void): void {
  memory
    .command('trust')
    .description('let a learned remedy run by itself on this machine (after reading it); any change to it withdraws the trust')
    .argument('<tool>', 'the tool_name of the learned fix')
    .argument('<pattern>', 'its error_pattern, exactly as in tool_fixes.yaml')
    .option('--json', 'print JSON')
    .action((tool: string, pattern: string, _opts, cmd: Command) => {
      tookPath('memory:trust');
      set(async (io) => (await import('./commands/trust.js')).trustCommand(tool, pattern, { ...globals(cmd), ...cmd.opts() }, io));
    });
  memory
    .command('untrust')
    .description('stop a learned remedy from running by itself (it is only suggested again)')
    .argument('<tool>', 'the tool_name of the learned fix')
    .argument('[pattern]', 'its error_pattern (default: every remedy of the tool)')
    .option('--json', 'print JSON')
    .action((tool: string, pattern: string | undefined, _opts, cmd: Command) => {
      tookPath('memory:untrust');
      set(async (io) => (await import('./commands/trust.js')).untrustCommand(tool, pattern, { ...globals(cmd), ...cmd.opts() }, io));
    });
  memory
    .command('trusted')
    .description('list learned remedies: trusted (run by themselves), suggested (shown only) or refused')
    .option('--json', 'print JSON')
    .action((_opts, cmd: Command) => {
      tookPath('memory:trusted');
      set(async (io) => (await import('./commands/trust.js')).trustedCommand({ ...globals(cmd), ...cmd.opts() }, io));
    });
}
