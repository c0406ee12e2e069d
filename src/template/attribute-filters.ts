import type NunjucksModule from 'nunjucks';
import { readAttribute } from './safe-attribute.js';

type Kwargs = { __keywords?: boolean; attribute?: unknown; default?: unknown; start?: unknown; d?: unknown };

const isKwargs = (a: unknown): a is Kwargs => !!a && typeof a === 'object' && (a as Kwargs).__keywords === true;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Split a filter's arguments into positional ones and Jinja keyword arguments (`attribute=`). */
function split(args: unknown[]): { pos: unknown[]; kw: Kwargs } {
  const last = args[args.length - 1];
  return isKwargs(last) ? { pos: args.slice(0, -1), kw: last } : { pos: args, kw: {} };
}

/**
 * The filters that take an attribute path, rebuilt so each path goes through `readAttribute` (own
 * properties only, blocked names undefined): map, selectattr, rejectattr, groupby, sum, join. The
 * built-in `sort(attribute=)` reads through `lib.getAttrGetter`, which is pointed at the same check.
 */
export function addAttributeFilters(env: NunjucksModule.Environment, lib: Record<string, unknown>): void {
  lib.getAttrGetter = (attribute: unknown) => (item: unknown) => readAttribute(item, attribute);

  env.addFilter('map', function (this: unknown, list: unknown, ...args: unknown[]) {
    const items = asList(list);
    const { pos, kw } = split(args);
    if (kw.attribute !== undefined) return items.map((x) => readAttribute(x, kw.attribute) ?? kw.default);
    const name = pos[0];
    if (typeof name === 'string') {
      const filter = env.getFilter(name) as (...a: unknown[]) => unknown;
      return items.map((x) => filter.call(this, x, ...pos.slice(1)));
    }
    return items;
  });
  env.addFilter('selectattr', (list: unknown, attribute: unknown) => asList(list).filter((x) => !!readAttribute(x, attribute)));
  env.addFilter('rejectattr', (list: unknown, attribute: unknown) => asList(list).filter((x) => !readAttribute(x, attribute)));
  env.addFilter('groupby', function (this: { env: { opts: { throwOnUndefined?: boolean } } }, list: unknown, ...args: unknown[]) {
    const { pos, kw } = split(args);
    const attribute = kw.attribute ?? pos[0];
    // Keys of the result are data from the list: a prototype-free object cannot be polluted by them.
    const groups = Object.create(null) as Record<string, unknown[]>;
    for (const item of asList(list)) {
      const key = readAttribute(item, attribute) ?? kw.default;
      if (key === undefined && this.env.opts.throwOnUndefined) throw new TypeError(`groupby: attribute "${String(attribute)}" resolved to undefined`);
      (groups[String(key)] ??= []).push(item);
    }
    return groups;
  });
  env.addFilter('sum', (list: unknown, ...args: unknown[]) => {
    const { pos, kw } = split(args);
    const attribute = kw.attribute ?? pos[0];
    const start = kw.start ?? pos[1] ?? 0;
    const items = attribute ? asList(list).map((x) => readAttribute(x, attribute)) : asList(list);
    return (start as number) + (items.reduce((a: unknown, b: unknown) => (a as number) + (b as number), 0) as number);
  });
  env.addFilter('join', (list: unknown, ...args: unknown[]) => {
    const { pos, kw } = split(args);
    const attribute = kw.attribute ?? pos[1];
    const sep = (kw.d ?? pos[0] ?? '') as string;
    const items = Array.isArray(list) ? list : typeof list === 'string' ? [...list] : [];
    return (attribute ? items.map((x) => readAttribute(x, attribute)) : items).join(sep);
  });
}
