// What the loader (boot.ts) answers by itself, before the CLI bundle loads: scripts ask for the
// version in loops, often with the same global options as every other call.

/**
 * Whether argv asks only for the version: `--version` or `-V` beside nothing but the global options
 * (`aiw --root DIR --version`). Commander answers these the same way, printing the version as soon
 * as it meets the option; anything else (a command, an unknown option) goes to the CLI. A value-taking
 * option takes the next word whatever it is, as commander does (`--root --version` is a root).
 */
export function asksVersionOnly(args: readonly string[]): boolean {
  let version = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--version' || arg === '-V') version = true;
    else if (arg === '--root' || arg === '--memory-dir') {
      if (++i >= args.length) return false;
    } else if (arg !== '--debug' && !arg.startsWith('--root=') && !arg.startsWith('--memory-dir=')) return false;
  }
  return version;
}
