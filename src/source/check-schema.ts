import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Problem } from '../errors/errors.js';
import * as validators from './generated/validators.cjs';
import { locate, pointerToPath, type YamlSource } from './yaml-source.js';

export type SchemaKind = 'skill' | 'tool' | 'config';

const byKind: Record<SchemaKind, ValidateFunction> = {
  skill: validators.skill,
  tool: validators.tool,
  config: validators.config,
};

/** Every schema problem in `source`, each at the line:col of the YAML node it is about. */
export function checkSchema(kind: SchemaKind, source: YamlSource): Problem[] {
  const validate = byKind[kind];
  if (validate(source.value)) return [];
  return simplify(validate.errors ?? []).map((e) => toProblem(source, e));
}

/**
 * ajv reports every failed branch of a oneOf/anyOf; a person wants the specific complaint. Keep an
 * error unless it is a combinator summary with a more specific error at or below its path.
 */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const kept = errors.filter((e) => {
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') return true;
    return !specific.some((s) => s.instancePath.startsWith(e.instancePath));
  });
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${message(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
  return { file: source.file, line: pos.line, col: pos.col, code: 'SCHEMA', message: message(e) };
}

function message(e: ErrorObject): string {
  const where = e.instancePath ? pointerToPath(e.instancePath).join('.') : '(top level)';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown property '${String(params.additionalProperty)}' in ${where}`;
    case 'required':
      return `${where}: missing required property '${String(params.missingProperty)}'`;
    case 'enum':
      return `${where}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${where}: must be ${String(params.type)}`;
    case 'pattern':
      return `${where}: does not match ${String(params.pattern)}`;
    case 'oneOf':
    case 'anyOf':
      return `${where}: does not match any allowed form`;
    default:
      return `${where}: ${e.message ?? e.keyword}`;
  }
}
