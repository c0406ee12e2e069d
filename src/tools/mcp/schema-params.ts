import type { ParamSpec, ParamType } from '../../model/tool.js';

const TYPES = new Set<string>(['string', 'integer', 'number', 'boolean', 'array', 'object']);

/**
 * An MCP tool's input schema as aiw params: each top-level property becomes a param with its type,
 * description, enum and default, required when the schema says so. A property without one plain
 * type (a union, a `$ref`) gets no type, so aiw passes its value through and the server checks it.
 */
export function paramsFromSchema(schema: Record<string, unknown> | undefined): Record<string, ParamSpec> {
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as unknown[]).map(String) : []);
  const params: Record<string, ParamSpec> = {};
  for (const [name, prop] of Object.entries(properties)) {
    const spec: ParamSpec = {};
    const type = typeof prop?.type === 'string' && TYPES.has(prop.type) ? (prop.type as ParamType) : undefined;
    if (type) spec.type = type;
    if (required.has(name)) spec.required = true;
    if (typeof prop?.description === 'string') spec.description = prop.description;
    if (Array.isArray(prop?.enum)) spec.enum = prop.enum as unknown[];
    if (prop && 'default' in prop) spec.default = prop.default;
    params[name] = spec;
  }
  return params;
}
