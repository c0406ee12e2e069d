/**
 * The one check every attribute path in a template goes through: the member lookups of
 * expressions (`x.y`, `x["y"]`) and the `attribute=` paths of filters (map, selectattr, rejectattr,
 * sort, groupby, sum, join). Every path from a template value to the host's `Function` (and so to
 * `process`) goes through one of these names: `range.constructor("return process")()` is the
 * classic nunjucks escape, `map(attribute='constructor.constructor')` its filter-shaped twin.
 */
export const BLOCKED_MEMBERS: ReadonlySet<string> = new Set([
  'constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
  'caller', 'callee', 'arguments',
]);

/** True when a member name may never be looked up from a template. */
export function isBlockedMember(key: string): boolean {
  return BLOCKED_MEMBERS.has(key);
}

/**
 * Follow an attribute path (`a.b.0.c`, or one number) through OWN properties only: an inherited
 * member (a method, `constructor`) and a blocked name are undefined, as a missing key is. A value
 * found is returned as it is; a function found is not (a filter attribute names data, never code).
 */
export function readAttribute(item: unknown, path: unknown): unknown {
  const parts = typeof path === 'number' ? [String(path)] : typeof path === 'string' ? path.split('.') : [];
  if (!parts.length) return undefined;
  let value: unknown = item;
  for (const part of parts) {
    if (value === null || value === undefined || isBlockedMember(part)) return undefined;
    // Primitives are boxed for the check only: a string's own `length` and indexes count.
    if (!Object.hasOwn(Object(value) as object, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'function' ? undefined : value;
}
