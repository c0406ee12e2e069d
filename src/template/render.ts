import type NunjucksModule from 'nunjucks';
import { AiwError, type SourceLocation } from '../errors/errors.js';
import { CAPTURE, missingLookupCount, takeCaptured, templating } from './nunjucks-env.js';
import { isMissing, lookupPath, renderSegments, simpleSegments } from './simple-template.js';

export type Scope = Record<string, unknown>;

/** Where a template came from, so that errors name the step, the file and the line. */
export interface TemplateOrigin {
  what: string;
  location?: SourceLocation;
}

const SINGLE_EXPRESSION = /^\s*\{\{((?:(?!\{\{|\}\})[\s\S])*)\}\}\s*$/;
const compiled = new Map<string, NunjucksModule.Template>();

/** True when `value` is a string holding template syntax; plain strings never reach nunjucks. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

/** The expression inside a string that is exactly one `{{ expr }}`, else undefined. */
export function singleExpression(source: string): string | undefined {
  const m = SINGLE_EXPRESSION.exec(source);
  return m ? m[1]!.trim() : undefined;
}

/**
 * Render one string. A string that is exactly one `{{ expr }}` keeps the expression's native type.
 * Strict: an undefined name or key is an error. Loose (conditions): it renders as undefined/empty.
 */
export function renderString(source: string, scope: Scope, origin: TemplateOrigin, strict = true): unknown {
  if (!isTemplate(source)) return source;
  const expr = singleExpression(source);
  if (expr !== undefined) {
    const value = evaluate(expr, scope, origin, strict);
    if (strict && value === undefined) throw templateError(origin, `'${expr}' is undefined`, source);
    return value;
  }
  return run(source, scope, origin, strict);
}

/** Evaluate a bare expression (no braces) and return its native value. */
export function evaluate(expr: string, scope: Scope, origin: TemplateOrigin, strict = false): unknown {
  const simple = simpleSegments(`{{${expr}}}`);
  if (simple?.length === 1 && typeof simple[0] !== 'string') {
    const value = lookupPath(scope, simple[0]!);
    if (!isMissing(value) && value !== undefined) return value;
  }
  run(`{{ ${CAPTURE}(${expr}) }}`, scope, origin, strict, expr);
  return takeCaptured();
}

/**
 * Render every template string inside `value` (objects and arrays walked). Only strings that came
 * from the skill or tool file are templates; values in `scope` are data and are never compiled.
 */
export function renderValue(value: unknown, scope: Scope, origin: TemplateOrigin, strict = true): unknown {
  if (typeof value === 'string') return renderString(value, scope, origin, strict);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope, origin, strict));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, origin, strict);
    return out;
  }
  return value;
}

/** A condition: an expression, or a template. false, empty, 'false', 'none', 0 and undefined are false. */
export function evaluateCondition(condition: string | boolean, scope: Scope, origin: TemplateOrigin, onMissing?: (message: string) => void): boolean {
  if (typeof condition === 'boolean') return condition;
  const before = missingLookupCount();
  const value = isTemplate(condition) ? renderString(condition, scope, origin, false) : evaluate(condition, scope, origin, false);
  // A missing name or key must not make a check pass (`down | length == 0` with `down` misspelt is
  // 0 == 0): unless the condition itself asks about definedness, it is false, and the user is told.
  if (missingLookupCount() > before && !GUARDED.test(condition)) {
    onMissing?.(`${origin.what}: '${condition}' uses a name or key that is not defined; the condition is taken as false`);
    return false;
  }
  return truthy(value);
}

/** Conditions that test for missing values themselves: `x is defined`, `x | default(...)`, `x is none`. */
const GUARDED = /\b(?:defined|undefined|default|d|none|None)\b/;

export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0) return false;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    return !(s === '' || s === 'false' || s === 'none' || s === 'null' || s === '0' || s === 'no');
  }
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function run(source: string, scope: Scope, origin: TemplateOrigin, strict: boolean, shown = source): string {
  const simple = simpleSegments(source);
  if (simple) {
    const text = renderSegments(simple, scope);
    if (!isMissing(text)) return text;
  }
  const key = `${strict ? 's' : 'l'}\u0000${source}`;
  let template = compiled.get(key);
  const t = templating();
  try {
    if (!template) {
      template = new t.nunjucks.Template(source, strict ? t.strict : t.loose, undefined, true);
      compiled.set(key, template);
    }
    return template.render(scope);
  } catch (err) {
    if (err instanceof AiwError) throw err;
    throw templateError(origin, cleanNunjucksMessage(err), shown, err);
  }
}

function templateError(origin: TemplateOrigin, detail: string, source: string, cause?: unknown): AiwError {
  return new AiwError('TEMPLATE', `${origin.what}: ${detail} in ${JSON.stringify(source)}`, { location: origin.location, cause });
}

function cleanNunjucksMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? text;
  return last.replace(/^Error:\s*/, '').replace(/^\(unknown path\)\s*/, '');
}
