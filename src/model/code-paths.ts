/** Where the CLI's loader (cli/boot.ts) collects the paths a start took. */
const CODE_PATHS = Symbol.for('aiw.codePaths');

/**
 * Note that this start took a path of its own through the code: a memory backend, a kind of step
 * or tool, a failure and its heals, a subcommand. The loader compares the paths of a start with
 * those its V8 code cache was made on, and a start that took one the cache lacks makes the cache
 * again, with its functions added: without that, a cache made on the first runs after an install
 * (say, runs that succeed) would leave every later failing run compiling the failure path anew
 * (~9 ms a run). A no-op outside the CLI (tests, the MCP bench), where no loader listens.
 */
export function tookPath(path: string): void {
  (globalThis as Record<symbol, Set<string> | undefined>)[CODE_PATHS]?.add(path);
}

/** For the loader: the set this start's paths are collected in, made and registered once. */
export function collectCodePaths(): Set<string> {
  const registry = globalThis as Record<symbol, Set<string> | undefined>;
  return (registry[CODE_PATHS] ??= new Set());
}
