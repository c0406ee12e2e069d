let enabled = false;

const FLAG = 'enable-experimental-regexp-engine-on-excessive-backtracks';
/** Where the CLI's loader finds how to put V8's flags back before it makes its code cache. */
const RESTORE_V8_FLAGS = Symbol.for('aiw.restoreV8Flags');

/**
 * A safety net under the catastrophic-regex check (safe-regex.ts): a `/regex/` pattern that still
 * backtracks excessively falls back to V8's linear-time engine instead of hanging the process.
 *
 * Turned on just before the first `/regex/` pattern is compiled, not at start-up: changing any V8
 * flag makes V8 reject code caches made under other flags for the rest of the process (Node's own
 * cache of its built-in modules, and aiw's code cache, see cli/boot.ts), which cost every start
 * ~15 ms. The loader turns it off again at exit, when no regex runs any more, before it makes its
 * code cache, so that cache is made under the flags the next start reads it with.
 */
export function enableLinearFallback(): void {
  if (enabled) return;
  enabled = true;
  const v8 = process.getBuiltinModule('node:v8');
  (globalThis as Record<symbol, unknown>)[RESTORE_V8_FLAGS] = () => v8.setFlagsFromString(`--no-${FLAG}`);
  v8.setFlagsFromString(`--${FLAG}`);
}

/**
 * For the loader, before it makes its code cache at exit: V8's flags as they were before
 * enableLinearFallback, if the bundle turned it on (the bundle and the loader share only globals).
 */
export function restoreV8Flags(): void {
  (globalThis as Record<symbol, (() => void) | undefined>)[RESTORE_V8_FLAGS]?.();
}
