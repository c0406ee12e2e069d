import { AiwError } from '../errors/errors.js';
import type { Skill } from '../model/skill.js';
import { coerceValue } from '../tools/params.js';
import { addSecrets, isSecretName } from '../secrets/redact.js';

/**
 * Check and convert the inputs of a run against the skill's declared inputs. Every problem is
 * reported at once, followed by the list of inputs with their descriptions, so a person can fix the
 * command line in one go.
 */
export function resolveInputs(skill: Skill, given: Record<string, unknown>): Record<string, unknown> {
  const problems: string[] = [];
  const declared = new Map(skill.inputs.map((i) => [i.name, i]));
  for (const name of Object.keys(given)) if (!declared.has(name)) problems.push(`unknown input '${name}'`);
  const resolved: Record<string, unknown> = {};
  for (const spec of skill.inputs) {
    let value = given[spec.name];
    if (value === undefined) value = spec.default;
    if (value === undefined || value === null) {
      if (spec.required) problems.push(`missing required input '${spec.name}'`);
      resolved[spec.name] = value ?? null;
      continue;
    }
    // Registered before anything can quote it: a type error, the --json inputs, a tool's argv. By
    // name only for text: a `max_tokens: 1000` must not turn every 1000 in a report into ***.
    if (spec.secret) addSecrets([typeof value === 'string' ? value : JSON.stringify(value)]);
    else if (typeof value === 'string' && isSecretName(spec.name)) addSecrets([value]);
    try {
      value = coerceValue(value, spec.type, `input '${spec.name}'`);
    } catch (err) {
      if (!(err instanceof AiwError)) throw err;
      problems.push(err.message);
      continue;
    }
    if (spec.enum && !spec.enum.some((e) => e === value)) {
      problems.push(`input '${spec.name}' must be one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`);
      continue;
    }
    resolved[spec.name] = value;
  }
  if (problems.length) {
    throw new AiwError('INPUT', `${problems.join('\n')}\n\n${describeInputs(skill)}`, {
      hint: `pass inputs with -i name=value, or --inputs-json '{"name": "value"}'`,
    });
  }
  return resolved;
}

export function describeInputs(skill: Skill): string {
  if (!skill.inputs.length) return `skill '${skill.name}' takes no inputs`;
  const rows = skill.inputs.map((i) => {
    const flags = [i.type ?? 'string', i.required ? 'required' : 'optional'];
    if (i.default !== undefined) flags.push(`default ${JSON.stringify(i.default)}`);
    if (i.enum) flags.push(`one of ${i.enum.map((e) => JSON.stringify(e)).join('|')}`);
    return `  ${i.name} (${flags.join(', ')})${i.description ? `: ${i.description}` : ''}`;
  });
  return `inputs of '${skill.name}':\n${rows.join('\n')}`;
}
