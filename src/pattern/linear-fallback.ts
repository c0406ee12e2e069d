let enabled = false;

/** Called (when the CLI's loader set it) just before a V8 flag changes: see enableLinearFallback. */
const BEFORE_V8_FLAGS = Symbol.for('aiw.beforeV8FlagChange');

/**
 * A safety net under the catastrophic-regex check (safe-regex.ts): a `/regex/` pattern that still
 * backtracks excessively falls back to V8's linear-time engine instead of hanging the process.
 *
 * Turned on just before the first `/regex/` pattern is compiled, not at start-up: changing any V8
 * flag makes V8 reject code caches made without it for the rest of the process (Node's own cache
 * of its built-in modules, and aiw's code cache, see cli/boot.ts), which cost every start ~15 ms.
 * The loader is told first, so the code cache it keeps is made under the flags it will be read with.
 */
export function enableLinearFallback(): void {
  if (enabled) return;
  enabled = true;
  (globalThis as Record<symbol, (() => void) | undefined>)[BEFORE_V8_FLAGS]?.();
  process.getBuiltinModule('node:v8').setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}
