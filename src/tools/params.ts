import { AiwError } from '../errors/errors.js';
import { addSecrets } from '../secrets/redact.js';
import type { ParamSpec, ParamType } from '../model/tool.js';

/**
 * Convert a value to a declared type. Strings from the command line (`-i n=3`, `-a flag=true`) are
 * converted; values that already have the right type pass; anything else is an INPUT error that
 * names the parameter, the expected type and what was given.
 */
export function coerceValue(value: unknown, type: ParamType | undefined, what: string): unknown {
  if (type === undefined || value === null || value === undefined) return value;
  const fail = (): never => {
    throw new AiwError('INPUT', `${what} must be ${article(type)} ${type}, got ${JSON.stringify(value)}`);
  };
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : fail();
    case 'integer':
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) return fail();
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const s = String(value).trim().toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(s)) return true;
      if (['false', 'no', '0', 'off'].includes(s)) return false;
      return fail();
    }
    case 'array':
    case 'object': {
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v);
        } catch (err) {
          throw new AiwError('INPUT', `${what} must be ${article(type)} ${type} (JSON), got ${JSON.stringify(value)}`, { cause: err });
        }
      }
      const isArray = Array.isArray(v);
      if (type === 'array' ? !isArray : isArray || typeof v !== 'object' || v === null) return fail();
      return v;
    }
  }
}

/**
 * Check arguments against declared params: undeclared names and missing required ones are errors
 * before anything runs. Declared params without a value are present as null, so a template may
 * test them, while an undeclared name stays an error. The value of a param marked `secret: true` is
 * registered for masking (see secrets/redact.ts).
 */
export function bindParams(
  toolName: string,
  params: Record<string, ParamSpec>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const args = resolveAliases(toolName, params, given);
  const unknown = Object.keys(args).filter((k) => !(k in params));
  if (unknown.length) {
    const known = Object.keys(params);
    throw new AiwError('INPUT', `tool '${toolName}' has no param ${unknown.map((k) => `'${k}'`).join(', ')}`, {
      hint: known.length ? `its params: ${known.join(', ')}` : 'it takes no params',
    });
  }
  const bound: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    let value = args[name];
    if (value === undefined) value = spec.default;
    if (value === undefined || value === null) {
      if (spec.required) missing.push(name);
      bound[name] = null;
      continue;
    }
    // Registered before anything can quote it: a type or enum error, the argv, the tool's own errors.
    if (spec.secret) addSecrets([typeof value === 'string' ? value : JSON.stringify(value)]);
    value = coerceValue(value, spec.type, `param '${name}' of tool '${toolName}'`);
    if (spec.enum && !spec.enum.some((e) => e === value)) {
      throw new AiwError('INPUT', `param '${name}' of tool '${toolName}' must be one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`);
    }
    bound[name] = value;
  }
  if (missing.length) {
    const lines = missing.map((m) => `  ${m}${params[m]?.description ? `: ${params[m]!.description}` : ''}`);
    throw new AiwError('INPUT', `tool '${toolName}' is missing required param${missing.length > 1 ? 's' : ''}:\n${lines.join('\n')}`);
  }
  return bound;
}

/** The param an argument name means: itself, or the param that lists it under `aliases`. */
export function canonicalParam(params: Record<string, ParamSpec>, name: string): string | undefined {
  if (name in params) return name;
  return Object.keys(params).find((p) => params[p]!.aliases?.includes(name));
}

/**
 * Arguments under their params' names. A call written for the Python project (`pod_name`) and one
 * written for aiw (`pod`) bind the same param; giving both is an INPUT error, not a silent choice.
 */
export function resolveAliases(toolName: string, params: Record<string, ParamSpec>, args: Record<string, unknown>): Record<string, unknown> {
  if (!Object.values(params).some((p) => p.aliases?.length)) return args;
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [name, value] of Object.entries(args)) {
    const param = canonicalParam(params, name) ?? name;
    if (param in from && value !== undefined && out[param] !== undefined) {
      throw new AiwError('INPUT', `tool '${toolName}': '${from[param]}' and '${name}' are the same param ('${param}'); give one of them`);
    }
    if (value !== undefined || !(param in out)) {
      out[param] = value;
      from[param] = name;
    }
  }
  return out;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? 'an' : 'a';
}
