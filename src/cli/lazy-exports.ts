// For the loader (boot.ts): a module that aiw's modules import when they load, but use only now and then.

/** An object with the module's export names whose first read loads the module. */
export function lazyExports(names: readonly string[], load: () => Record<string, unknown>): Record<string, unknown> {
  let real: Record<string, unknown> | undefined;
  const lazy: Record<string, unknown> = {};
  for (const name of names) {
    Object.defineProperty(lazy, name, { enumerable: true, get: () => (real ??= load())[name] });
  }
  return lazy;
}
