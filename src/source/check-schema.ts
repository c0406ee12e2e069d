import type { ErrorObject, ValidateFunction } from 'ajv';
import { closestNames } from '../errors/did-you-mean.js';
import type { Problem } from '../errors/errors.js';
import { fingerprint } from './generated/fingerprint.cjs';
import { locate, pointerToPath, type YamlSource } from './yaml-source.js';

export type SchemaKind = 'skill' | 'tool' | 'config';

/** What the compiled schemas are: a parse cache entry's schema verdicts hold only for these. */
export const schemaFingerprint: string = fingerprint;

/**
 * Every schema problem in `source`, each at the line:col of the YAML node it is about. The
 * validators (a large module) load on the first file without a verdict from the parse cache.
 */
export async function checkSchema(kind: SchemaKind, source: YamlSource): Promise<Problem[]> {
  // A verdict from the parse cache: this very text passed these very schemas before.
  if (source.schemaValid.has(kind)) return [];
  // A CommonJS module: Node gives its exports as named and as the default export, the bundle only as the default.
  const validators = (await import('./generated/validators.cjs')).default;
  const validate: ValidateFunction = validators[kind];
  if (validate(source.value)) {
    source.schemaPassed(kind);
    return [];
  }
  return simplify(validate.errors ?? []).map((e) => toProblem(source, e));
}

/** Patterns of the schemas, said in words: a person should not have to read a regex. */
const PATTERN_WORDS: Record<string, string> = {
  '^[A-Za-z0-9_.-]+$': 'a name of letters, digits, _, . and -',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'a name of letters, digits and _ that does not start with a digit',
  '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)?\\s*$': 'a duration such as 500ms, 30s, 5m or 1h',
};

/**
 * ajv reports every failed branch of a oneOf/anyOf; a person wants the specific complaint. Keep an
 * error unless it is a combinator summary with a more specific error at or below its path.
 */
function simplify(all: ErrorObject[]): ErrorObject[] {
  const errors = mergeAlternatives(all);
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const kept = errors.filter((e) => {
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') return true;
    return !specific.some((s) => s.instancePath.startsWith(e.instancePath));
  });
  // "unknown property 'comand' (did you mean 'command'?)" already says what "needs 'command'" would.
  const suggested = new Set(kept.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}|${suggestionFor(e) ?? ''}`));
  const seen = new Set<string>();
  return kept.filter((e) => {
    const missing = e.keyword === 'required' ? [String((e.params as Record<string, unknown>).missingProperty)] : e.keyword === 'requiredOneOf' ? ((e.params as { names: string[] }).names) : [];
    if (missing.some((m) => suggested.has(`${e.instancePath}|${m}`))) return false;
    const key = `${e.instancePath}|${message(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `required` errors from the branches of one oneOf/anyOf at the same place ("missing 'command'",
 * "missing 'http'") are one complaint: it needs one of them. Merged into a single error.
 */
function mergeAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const groups = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const m = e.keyword === 'required' ? /^(.*\/(?:oneOf|anyOf))\/\d+\/required$/.exec(e.schemaPath) : null;
    if (!m) continue;
    const key = `${e.instancePath}|${m[1]}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const merged = new Set<ErrorObject>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (merged.has(e)) continue;
    const m = e.keyword === 'required' ? /^(.*\/(?:oneOf|anyOf))\/\d+\/required$/.exec(e.schemaPath) : null;
    const group = m ? groups.get(`${e.instancePath}|${m[1]}`) ?? [] : [];
    if (group.length < 2) {
      out.push(e);
      continue;
    }
    for (const g of group) merged.add(g);
    const names = [...new Set(group.map((g) => String((g.params as Record<string, unknown>).missingProperty)))];
    out.push({ ...e, keyword: 'requiredOneOf', params: { names } });
  }
  return out;
}

function toProblem(source: YamlSource, e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  let pos: { line: number; col: number };
  if (e.keyword === 'additionalProperties') {
    pos = locate(source, [...path, String(params.additionalProperty)], { key: true });
  } else {
    pos = locate(source, path);
  }
  return { file: source.file, line: pos.line, col: pos.col, code: 'SCHEMA', message: message(e), path };
}

function message(e: ErrorObject): string {
  const where = e.instancePath ? pointerToPath(e.instancePath).join('.') : '(top level)';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const near = suggestionFor(e);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown property '${key}' in ${where}${near ? ` (did you mean '${near}'?)` : known.length ? ` (known: ${known.join(', ')})` : ''}`;
    }
    case 'required':
      return `${where}: missing required property '${String(params.missingProperty)}'`;
    case 'requiredOneOf':
      return `${where}: needs one of ${(params.names as string[]).map((n) => `'${n}'`).join(' or ')}`;
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      const near = typeof e.data === 'string' ? closestNames(e.data, allowed.filter((v): v is string => typeof v === 'string')) : [];
      return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${near.length ? ` (did you mean ${JSON.stringify(near[0])}?)` : ''}`;
    }
    case 'type':
      return `${where}: must be ${String(params.type)}`;
    case 'pattern':
      return `${where}: must be ${PATTERN_WORDS[String(params.pattern)] ?? `text matching ${String(params.pattern)}`}`;
    case 'oneOf':
    case 'anyOf':
      return `${where}: does not match any allowed form`;
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}

/** The known property an unknown one is most likely a misspelling of. */
function suggestionFor(e: ErrorObject): string | undefined {
  const key = String((e.params as Record<string, unknown>).additionalProperty);
  const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  return closestNames(key, known)[0];
}
