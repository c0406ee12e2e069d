/**
 * Most templates in skills and tools are text with `{{ name }}` or `{{ a.b.c }}` in it. Those are
 * rendered here, without nunjucks, with the same results: a value found along own properties is
 * used as nunjucks would print it; anything else (a filter, an operator, a tag, a missing or
 * inherited key) returns `undefined`, and the caller hands the template to nunjucks, which decides,
 * so errors and edge cases behave exactly as before.
 */
type Segment = string | string[];

const PATH = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$/;
// Names nunjucks treats specially (its globals, our capture function) or refuses to look up.
const NOT_SIMPLE = new Set(['range', 'cycler', 'joiner', 'caller', 'loop', 'constructor', '__proto__', 'prototype']);
const parsed = new Map<string, Segment[] | null>();

/** The template as text and lookup paths, or null when it needs nunjucks. Cached per source. */
export function simpleSegments(source: string): Segment[] | null {
  let segments = parsed.get(source);
  if (segments !== undefined) return segments;
  segments = parse(source);
  parsed.set(source, segments);
  return segments;
}

function parse(source: string): Segment[] | null {
  if (source.includes('{%') || source.includes('{#')) return null;
  const out: Segment[] = [];
  let rest = source;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      if (rest.includes('}}')) return null;
      if (rest) out.push(rest);
      return out;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) return null;
    const before = rest.slice(0, open);
    if (before.includes('}}')) return null;
    if (before) out.push(before);
    const m = PATH.exec(rest.slice(open + 2, close));
    if (!m) return null;
    const path = m[1]!.split('.');
    if (path.some((p) => NOT_SIMPLE.has(p))) return null;
    out.push(path);
    rest = rest.slice(close + 2);
  }
}

const MISSING = Symbol('missing');

/** Follow a path through own properties only; MISSING when nunjucks must decide. */
export function lookupPath(scope: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = scope;
  for (const key of path) {
    if (value === null || value === undefined) return MISSING;
    if (!Object.hasOwn(value as object, key)) return MISSING;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'function' ? MISSING : value;
}

export function isMissing(value: unknown): value is typeof MISSING {
  return value === MISSING;
}

/** Render simple segments to a string as nunjucks would, or MISSING when any lookup must go to it. */
export function renderSegments(segments: readonly Segment[], scope: Record<string, unknown>): string | typeof MISSING {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'string') {
      out += seg;
      continue;
    }
    const value = lookupPath(scope, seg);
    // undefined goes to nunjucks too: in strict mode that is its error to raise, with its message.
    if (value === MISSING || value === undefined) return MISSING;
    out += value === null ? '' : String(value);
  }
  return out;
}
