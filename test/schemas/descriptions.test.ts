import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Editor hover (yaml-language-server and the like) shows a property's `description` and offers its
 * `examples`: every property of the schemas a person writes against has both, and every example is
 * valid for its property, so hover never shows something that would then fail `aiw validate`.
 */
type Schema = Record<string, unknown>;

function load(name: string): Schema {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../schemas/${name}.schema.json`, import.meta.url)), 'utf8')) as Schema;
}

/** Every entry of every `properties` map, with its JSON pointer. */
function properties(node: unknown, pointer = ''): Array<{ pointer: string; schema: Schema }> {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => properties(n, `${pointer}/${i}`));
  const found: Array<{ pointer: string; schema: Schema }> = [];
  for (const [key, value] of Object.entries(node as Schema)) {
    const here = `${pointer}/${key}`;
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, schema] of Object.entries(value as Schema)) found.push({ pointer: `${here}/${name}`, schema: schema as Schema });
    }
    if (key !== 'examples') found.push(...properties(value, here));
  }
  return found;
}

describe.each(['skill', 'tool', 'config'])('schemas/%s.schema.json', (name) => {
  const schema = load(name);
  const props = properties(schema);
  const ajv = new Ajv.default({ strict: false });
  ajv.addSchema(schema, name);

  it('has properties to describe (the walk finds them)', () => {
    expect(props.length).toBeGreaterThan(10);
  });

  it('gives every property a description and at least one example', () => {
    const missing = props.filter((p) => typeof p.schema.description !== 'string' || !(p.schema.description as string).trim()
      || !Array.isArray(p.schema.examples) || !(p.schema.examples as unknown[]).length).map((p) => p.pointer);
    expect(missing).toEqual([]);
  });

  it('has examples that are valid for their property', () => {
    const invalid: string[] = [];
    for (const p of props) {
      for (const example of (p.schema.examples as unknown[] | undefined) ?? []) {
        if (!ajv.validate({ $ref: `${name}#${p.pointer}` }, example)) invalid.push(`${p.pointer}: ${ajv.errorsText()}`);
      }
    }
    expect(invalid).toEqual([]);
  });
});
