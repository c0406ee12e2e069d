/**
 * What may still be open when a command has finished, without anything left to do:
 * - `Immediate`: the output writer's end-of-turn flush, which also runs at exit (cli/io.ts);
 * - `PipeWrap`, `TTYWrap`: idle stdio streams (Node makes process.stderr when it closes any socket,
 *   such as a finished child's output pipe), and a finished child's pipes being closed. A pending
 *   write or shutdown on one is a request of its own (`WriteWrap`, `ShutdownWrap`), so it keeps
 *   the process alive.
 * Anything else (an fs request, a timer, a child process, a socket being written) is work that the
 * natural end of the process would wait for, and so does aiw.
 */
const IDLE = new Set(['Immediate', 'PipeWrap', 'TTYWrap']);

/** Whether the process may exit now, given `process.getActiveResourcesInfo()`. */
export function nothingLeftToRun(active: readonly string[]): boolean {
  return active.every((kind) => IDLE.has(kind));
}
