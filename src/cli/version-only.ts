// What the loader (boot.ts) answers by itself, before the CLI bundle loads: scripts ask for the
// version in loops, often with the same global options as every other call.
import { globalOptionWords } from './global-options.js';

/**
 * Whether argv asks only for the version: `--version` or `-V` beside nothing but the global options
 * (`aiw --root DIR --version`). Commander answers these the same way, printing the version as soon
 * as it meets the option; anything else (a command, an unknown option) goes to the CLI.
 */
export function asksVersionOnly(args: readonly string[]): boolean {
  let version = false;
  for (let i = 0; i < args.length; ) {
    if (args[i] === '--version' || args[i] === '-V') {
      version = true;
      i++;
      continue;
    }
    const words = globalOptionWords(args, i);
    if (words === 0 || i + words > args.length) return false;
    i += words;
  }
  return version;
}
