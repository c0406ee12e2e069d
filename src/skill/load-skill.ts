import { ValidationError, type Problem } from '../errors/errors.js';
import { cacheStore } from '../files/cache-store.js';
import { checkSchema } from '../source/check-schema.js';
import type { InputSpec, OutputSpec, ReturnItem, Skill, Step, StepType } from '../model/skill.js';
import { readYamlSource } from '../source/parse-cache.js';
import { codeLine, locate, type JsonPath, type YamlSource } from '../source/yaml-source.js';

const ACTIONS = ['tool', 'compute', 'skill', 'then'] as const;

/** Load, schema-check and structurally check a skill file. Throws ValidationError with every problem. */
export async function loadSkillFile(file: string): Promise<Skill> {
  const { source, problems } = await readYamlSource(file, cacheStore('parse'));
  if (problems.length) throw new ValidationError(problems);
  const built = await buildSkill(source);
  if (!built.skill) throw new ValidationError(built.problems);
  sources.set(built.skill, source);
  return built.skill;
}

const sources = new WeakMap<Skill, YamlSource>();

/** The parsed file a skill was loaded from, so later checks can name positions without parsing it again. */
export function skillSource(skill: Skill): YamlSource | undefined {
  return sources.get(skill);
}

/** Turn a parsed file into a Skill, collecting every problem in one pass. */
export async function buildSkill(source: YamlSource): Promise<{ skill?: Skill; problems: Problem[] }> {
  // Every problem of a file in one pass: the structural checks below run even when the schema
  // already failed, on whatever parts have the right shape, so a fix-and-rerun loop is not needed.
  const problems = await checkSchema('skill', source);
  const schemaFailed = problems.length > 0;
  if (!isRecord(source.value)) return { problems };
  const raw = source.value;
  const names = new Map<string, JsonPath>();
  const report = (path: JsonPath, message: string, key = false): void => {
    const pos = locate(source, path, { key });
    problems.push({ file: source.file, line: pos.line, col: pos.col, code: 'VALIDATION', message });
  };
  const buildSteps = (items: unknown[], base: JsonPath): Array<Step | ReturnItem> =>
    items.map((item, i) => {
      const path = [...base, i];
      const obj = isRecord(item) ? item : {};
      if ('return' in obj && !('name' in obj)) return { return: obj.return, line: locate(source, path).line };
      return buildStep(obj, path);
    });
  const buildStep = (obj: Record<string, unknown>, path: JsonPath): Step => {
    const name = typeof obj.name === 'string' ? obj.name : '';
    if (!name) report(path, `step ${path.join('.')} needs a name`);
    else if (names.has(name)) report([...path, 'name'], `duplicate step name '${name}' (first at ${names.get(name)!.join('.')})`);
    else names.set(name, path);
    const actions = ACTIONS.filter((a) => obj[a] !== undefined);
    if (actions.length > 1) report(path, `step '${name}' has ${actions.join(' and ')}; a step does one of tool, compute, skill or then`);
    if (obj.args !== undefined && obj.tool === undefined) report([...path, 'args'], `step '${name}' has args but no tool`, true);
    if (obj.inputs !== undefined && obj.skill === undefined) report([...path, 'inputs'], `step '${name}' has inputs but no skill`, true);
    const type: StepType = (actions[0] as StepType | undefined) ?? 'description';
    const step = copyOf(obj) as unknown as Step;
    step.name = name;
    step.type = type;
    step.line = locate(source, path).line;
    if (typeof obj.compute === 'string') step.computeLine = codeLine(source, [...path, 'compute']);
    if (Array.isArray(obj.then)) step.then = buildSteps(obj.then, [...path, 'then']);
    return step;
  };
  const steps = buildSteps(Array.isArray(raw.steps) ? raw.steps : [], ['steps']).filter((s, i): s is Step => {
    if ('type' in s) return true;
    report(['steps', i], 'return: is only allowed inside then:');
    return false;
  });
  const outputs = (Array.isArray(raw.outputs) ? raw.outputs : []).map((o: unknown, i): OutputSpec | null => {
    if (!isRecord(o)) return null;
    const path = ['outputs', i];
    if (o.value === undefined && o.compute === undefined) report(path, `output '${String(o.name)}' needs value or compute`);
    const out = copyOf(o) as unknown as OutputSpec;
    out.line = locate(source, path).line;
    if (typeof o.compute === 'string') out.computeLine = codeLine(source, [...path, 'compute']);
    return out;
  }).filter((o): o is OutputSpec => o !== null);
  const inputs = (Array.isArray(raw.inputs) ? raw.inputs : []) as InputSpec[];
  const seenInputs = new Set<string>();
  inputs.forEach((input, i) => {
    if (isRecord(input) && typeof input.name === 'string' && seenInputs.has(input.name)) report(['inputs', i, 'name'], `duplicate input '${input.name}'`);
    seenInputs.add(input.name);
  });
  if (problems.length || schemaFailed) return { problems };
  const skill: Skill = {
    name: raw.name as string,
    description: raw.description as string | undefined,
    version: raw.version as string | number | undefined,
    inputs,
    defaults: (raw.defaults as Record<string, unknown> | undefined) ?? {},
    steps,
    outputs,
    computeTimeout: raw.compute_timeout as number | string | undefined,
    dialect: raw.dialect as Skill['dialect'],
    file: source.file,
  };
  if (raw.dialect === 'python' || raw.dialect === 'javascript') skill.dialect = raw.dialect;
  return { skill, problems };
}

/**
 * `{ ...obj }`, made so that adding properties to the copy stays cheap: V8 gives a spread copy a map
 * whose every later addition is slow (about 3 µs a property, 10 ms for a 1000-step skill), an
 * `Object.assign` copy does not. Assign would set the prototype for an own `__proto__` key, so that
 * (rare) object is spread.
 */
function copyOf(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.hasOwn(obj, '__proto__') ? { ...obj } : Object.assign({}, obj);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
