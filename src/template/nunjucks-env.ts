import type NunjucksModule from 'nunjucks';
import { addAttributeFilters } from './attribute-filters.js';
import { isBlockedMember } from './safe-attribute.js';

/**
 * nunjucks is loaded on first use, synchronously, and configured once. It stays outside the bundle
 * and is required only when a template needs more than text and `{{ a.b }}` lookups (render.ts
 * handles those itself), so most runs never pay for it. Autoescape is OFF, because values go to argv
 * and reports, not HTML (the seed turned `&` into `&amp;` in shell arguments); undefined names
 * throw, but null renders as empty, as Jinja's `None` would render in Python without being an error.
 */
export interface Templating {
  nunjucks: typeof NunjucksModule;
  strict: NunjucksModule.Environment;
  loose: NunjucksModule.Environment;
}

let loaded: Templating | undefined;
let captured: unknown;

export const CAPTURE = '__aiw_capture';

export function templating(): Templating {
  if (loaded) return loaded;
  // node:module only now: loading it costs every start that never renders a full template.
  const nunjucks = process.getBuiltinModule('node:module').createRequire(import.meta.url)('nunjucks') as typeof NunjucksModule;
  nunjucks.installJinjaCompat();
  const runtime = (nunjucks as unknown as { runtime: Record<string, unknown> }).runtime;
  const TemplateError = (nunjucks.lib as unknown as { TemplateError: new (m: string, l: number, c: number) => Error }).TemplateError;
  // Only `undefined` (a name or key that does not exist) is an error; a null value renders empty.
  runtime.ensureDefined = (val: unknown, lineno: number, colno: number) => {
    if (val === undefined) throw new TemplateError('undefined value', lineno + 1, colno + 1);
    return val;
  };
  closeFunctionConstructor(runtime);
  const make = (throwOnUndefined: boolean) => {
    const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined });
    env.addGlobal(CAPTURE, (value: unknown) => {
      captured = value;
      return '';
    });
    env.addFilter('tojson', (value: unknown, indent?: number) => JSON.stringify(value, null, indent));
    env.addFilter('to_json', (value: unknown, indent?: number) => JSON.stringify(value, null, indent));
    env.addFilter('from_json', (value: string) => JSON.parse(value) as unknown);
    addJinjaFilters(env);
    addAttributeFilters(env, nunjucks.lib as unknown as Record<string, unknown>);
    // `~/.kube/config` in config files means the user's home, as it would in a shell.
    env.addFilter('expanduser', (value: unknown) =>
      // node:os when used, not when this module loads: a start that never needs it saves ~0.2 ms.
      typeof value === 'string' && (value === '~' || value.startsWith('~/')) ? `${process.getBuiltinModule('node:os').homedir()}${value.slice(1)}` : value);
    return env;
  };
  loaded = { nunjucks, strict: make(true), loose: make(false) };
  return loaded;
}


/** Take the value the last `__aiw_capture(...)` call saw; rendering is synchronous, so this is safe. */
export function takeCaptured(): unknown {
  const value = captured;
  captured = undefined;
  return value;
}

/**
 * Make the blocked names of safe-attribute.ts undefined in templates, for member lookups
 * (`x.constructor`, `x["constr" ~ "uctor"]`, a key object whose toString says "constructor") and
 * for bare names, which nunjucks
 * looks up on the scope object and so would find `Object.prototype.constructor`. Templates come from
 * skill, tool and config files, and also from text that should only ever be data (a learned remedy's
 * args): none of them can reach the host this way.
 */
function closeFunctionConstructor(runtime: Record<string, unknown>): void {
  const memberLookup = runtime.memberLookup as (obj: unknown, val: unknown, ...rest: unknown[]) => unknown;
  runtime.memberLookup = (obj: unknown, val: unknown, ...rest: unknown[]) => {
    // Jinja's x[a:b:c] comes here as (obj, a, b, c): numbers only, nothing to check.
    if (rest.length >= 2) return memberLookup(obj, val, ...rest);
    // Converted once here, so a key object cannot answer the check and the lookup differently.
    const key = typeof val === 'number' ? val : String(val);
    const value = typeof key === 'string' && isBlockedMember(key) ? undefined : memberLookup(obj, key, ...rest);
    if (value === undefined && !(obj !== null && typeof obj === 'object' && key in obj)) missingLookups++;
    return value;
  };
  const contextOrFrameLookup = runtime.contextOrFrameLookup as (context: unknown, frame: unknown, name: string) => unknown;
  runtime.contextOrFrameLookup = (context: unknown, frame: unknown, name: string) => {
    const value = isBlockedMember(name) && name !== 'caller' ? undefined : contextOrFrameLookup(context, frame, name);
    if (value === undefined) missingLookups++;
    return value;
  };
}

/**
 * How many lookups so far found nothing (a name that is not in scope, a key an object lacks).
 * Rendering is synchronous: a caller reads it before and after one evaluation to learn whether that
 * evaluation met a missing value.
 */
let missingLookups = 0;
export function missingLookupCount(): number {
  return missingLookups;
}

/** Jinja2 filters that nunjucks lacks and that skills ported from the seed use. */
function addJinjaFilters(env: NunjucksModule.Environment): void {
  env.addFilter('unique', (list: unknown) => (Array.isArray(list) ? [...new Set(list)] : list));
  env.addFilter('min', (list: unknown) => (Array.isArray(list) && list.length ? list.reduce((a, b) => (b < a ? b : a)) : undefined));
  env.addFilter('max', (list: unknown) => (Array.isArray(list) && list.length ? list.reduce((a, b) => (b > a ? b : a)) : undefined));
  env.addFilter('items', (obj: unknown) => (obj && typeof obj === 'object' ? Object.entries(obj) : []));
}
