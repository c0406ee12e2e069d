import { closestNames } from '../errors/did-you-mean.js';
import type { Problem } from '../errors/errors.js';
import { freeNames, knownFilters, usedFilters } from '../template/free-names.js';
import { isTemplate } from '../template/render.js';
import { simpleSegments } from '../template/simple-template.js';
import type { ParamSpec } from '../model/tool.js';
import { canonicalParam, coerceValue } from '../tools/params.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { JINJA_GLOBALS, PYTHON_EXTRA_GLOBALS, type DialectName } from '../model/dialect.js';
import { locate, type JsonPath, type YamlSource } from '../source/yaml-source.js';
import type { CacheStore } from '../model/cache-store.js';
import { CompileCheck } from './compile-check.js';

export interface ToolLookup {
  has(name: string): boolean;
  params(name: string): Record<string, ParamSpec> | undefined;
  /** Every tool name, for did-you-mean hints. */
  names?(): string[];
}

/** ` (did you mean 'x'?)` for a param name close to a known one, else nothing. */
function suggestParam(name: string, known: string[]): string {
  const near = closestNames(name, known);
  return near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : '';
}

/** ` (did you mean 'x'?)` when a known name is close, else nothing. */
function suggest(name: string, tools: ToolLookup): string {
  const near = tools.names ? closestNames(name, tools.names()) : [];
  return near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : '';
}

const ALWAYS = ['inputs', 'defaults', 'config', 'env', 'steps'];
/** The same test as the engine's (template/render.ts): conditions that ask about definedness. */
const DEFINEDNESS = /\b(?:defined|undefined|default|d|none|None)\b/;

/**
 * The checks a schema cannot make: unknown tools, undeclared or missing tool params, templates that
 * do not parse, references to names no input, default or earlier step defines, and compute code
 * that does not compile. One pass; every problem with its position. With a cache store, a skill whose
 * compute blocks all compiled before is not compiled again (compile-check.ts).
 */
export function checkSkillReferences(skill: Skill, source: YamlSource, tools: ToolLookup, skillExists: (name: string) => boolean, dialect: DialectName = 'javascript', store?: CacheStore): Problem[] {
  const problems: Problem[] = [];
  const python = dialect === 'python';
  // Python blocks are compiled by python3 when they run, with errors at file:line.
  const compiles = python ? undefined : new CompileCheck(computeBlocks(skill), store);
  const report = (path: JsonPath, message: string, code: Problem['code'] = 'VALIDATION', warning = false) => {
    const pos = locate(source, path);
    problems.push({ file: source.file, line: pos.line, col: pos.col, code, message, ...(warning ? { severity: 'warning' as const } : {}) });
  };
  const declaredInputs = new Set(skill.inputs.map((i) => i.name));
  // Asked for only when a template has a filter: listing them loads nunjucks.
  let filterNames: Set<string> | undefined;
  const filters = () => (filterNames ??= new Set(knownFilters()));
  const defined = new Set<string>(python ? [...ALWAYS, ...JINJA_GLOBALS, ...PYTHON_EXTRA_GLOBALS] : ALWAYS);
  const checkTemplates = (value: unknown, path: JsonPath, what: string, known: Set<string>, condition = false) => {
    walkStrings(value, path, (text, p) => {
      // A condition without braces is an expression; otherwise only template strings are read (the
      // original renders only strings holding `{{`).
      const expression = condition && !isTemplate(text);
      if (!expression && (python ? !text.includes('{{') : !isTemplate(text))) return;
      const source = expression ? `{{ ${text} }}` : text;
      // Plain `{{ a.b }}` templates are read without nunjucks (as the renderer reads them), which
      // keeps these checks cheap enough to run before every `aiw run`.
      const simple = python ? null : simpleSegments(source);
      let names: Array<{ name: string }>;
      try {
        names = simple ? simple.filter((seg) => Array.isArray(seg)).map((path) => ({ name: path[0]! })) : freeNames(source);
      } catch (err) {
        // nunjucks parses most of Jinja2 but not all of it; the run (real Jinja2) reports what does not parse.
        if (!python) report(p, `${what}: template does not parse: ${firstLine(err)}`, 'TEMPLATE');
        return;
      }
      // A condition that tests definedness itself (`x is defined`, `x | default(...)`) may name what is missing.
      const guarded = condition && DEFINEDNESS.test(text);
      for (const n of names) {
        if (known.has(n.name) || guarded) continue;
        // In the original an undefined name in a condition is false, and aiw keeps that: a warning.
        if (python && condition) report(p, `${what}: '${n.name}' is not defined by any input, default or earlier step; the condition is false while it is undefined`, 'VALIDATION', true);
        else report(p, `${what}: '${n.name}' is not defined by any input, default or earlier step`);
      }
      // Filters of Python skills are Jinja2's, checked when they render.
      for (const f of simple || python ? [] : usedFilters(source)) {
        if (filters().has(f.name)) continue;
        const near = closestNames(f.name, [...filters()].filter((n) => n.length > 2));
        report(p, `${what}: unknown filter '${f.name}'${near.length ? ` (did you mean ${near.map((x) => `'${x}'`).join(', ')}?)` : ''}`, 'TEMPLATE');
      }
      for (const m of text.matchAll(/\binputs\.([A-Za-z_]\w*)(\s*\()?/g)) {
        // `inputs.get(...)`: a dict method in the Python dialect, not an input's name.
        if (python && m[2]) continue;
        if (!declaredInputs.has(m[1]!)) report(p, `${what}: 'inputs.${m[1]}' is not a declared input`);
      }
    });
  };
  const checkCode = (code: string, path: JsonPath, what: string, line: number) => {
    const error = compiles?.error(code, source.file, line);
    if (error) report(path, `${what}: compute code does not compile: ${firstLine(error)}`);
  };
  const walkSteps = (items: Array<Step | ReturnItem>, base: JsonPath) => {
    items.forEach((item, i) => {
      const path = [...base, i];
      if (isReturnItem(item)) {
        checkTemplates(item.return, [...path, 'return'], 'return', defined);
        return;
      }
      const what = `step '${item.name}'`;
      if (typeof item.condition === 'string') checkTemplates(item.condition, [...path, 'condition'], `${what} condition`, defined, true);
      if (item.type === 'tool') checkToolStep(item, path, what);
      if (item.type === 'skill') {
        if (!skillExists(item.skill!)) report([...path, 'skill'], `${what}: unknown skill '${item.skill}'`, 'UNKNOWN_SKILL');
        checkTemplates(item.inputs ?? {}, [...path, 'inputs'], `${what} inputs`, defined);
      }
      if (item.type === 'compute') checkCode(item.compute!, [...path, 'compute'], what, item.computeLine ?? item.line);
      for (const [cls, fix] of Object.entries(item.quick_fix ?? {})) {
        if (!tools.has(fix.tool)) report([...path, 'quick_fix', cls, 'tool'], `${what}: quick fix for ${cls} uses unknown tool '${fix.tool}'${suggest(fix.tool, tools)}`, 'UNKNOWN_TOOL');
        checkTemplates(fix.args ?? {}, [...path, 'quick_fix', cls, 'args'], `${what} quick fix`, new Set([...defined, 'args']));
      }
      if (item.then) walkSteps(item.then, [...path, 'then']);
      if (item.type !== 'description') defined.add(item.output ?? item.name);
      // A Python skill's tool step also stores its `key: value` lines as `<output>_parsed`.
      if (python && item.type === 'tool') defined.add(`${item.output ?? item.name}_parsed`);
    });
  };
  const checkToolStep = (step: Step, path: JsonPath, what: string) => {
    checkTemplates(step.args ?? {}, [...path, 'args'], `${what} args`, defined);
    if (!tools.has(step.tool!)) {
      report([...path, 'tool'], `${what}: unknown tool '${step.tool}'${suggest(step.tool!, tools)}`, 'UNKNOWN_TOOL');
      return;
    }
    // A tool whose params cannot be known here (an MCP server that could not list its tools) is checked when it runs.
    const params = tools.params(step.tool!);
    if (!params) return;
    const args = step.args ?? {};
    const given = new Set<string>();
    for (const name of Object.keys(args)) {
      const param = canonicalParam(params, name);
      if (param === undefined) report([...path, 'args', name], `${what}: tool '${step.tool}' has no param '${name}' (params: ${Object.keys(params).join(', ') || 'none'})${suggestParam(name, Object.keys(params))}`);
      else if (given.has(param)) report([...path, 'args', name], `${what}: '${name}' is another name for param '${param}', which is already given`);
      else given.add(param);
    }
    for (const [name, spec] of Object.entries(params)) {
      if (spec.required && spec.default === undefined && !given.has(name)) report(path, `${what}: tool '${step.tool}' needs param '${name}'${spec.aliases?.length ? ` (or ${spec.aliases.map((a) => `'${a}'`).join(', ')})` : ''}`);
    }
  };
  // A default that does not fit its input's type would fail every run that leaves the input out.
  skill.inputs.forEach((input, i) => {
    if (input.default === undefined) return;
    try {
      coerceValue(input.default, input.type, `input '${input.name}' default`);
    } catch (err) {
      report(['inputs', i, 'default'], firstLine(err), 'INPUT');
    }
  });
  walkSteps(skill.steps, ['steps']);
  skill.outputs.forEach((out, i) => {
    if (out.value !== undefined) checkTemplates(out.value, ['outputs', i, 'value'], `output '${out.name}'`, defined);
    if (out.compute !== undefined) checkCode(out.compute, ['outputs', i, 'compute'], `output '${out.name}'`, out.computeLine ?? out.line);
  });
  compiles?.finish();
  return problems;
}

/** Every compute block of a skill, in the order the checks above ask about them. */
function computeBlocks(skill: Skill): string[] {
  const blocks: string[] = [];
  const walk = (items: Array<Step | ReturnItem>) => {
    for (const item of items) {
      if (isReturnItem(item)) continue;
      if (item.type === 'compute') blocks.push(item.compute!);
      if (item.then) walk(item.then);
    }
  };
  walk(skill.steps);
  for (const out of skill.outputs) if (out.compute !== undefined) blocks.push(out.compute);
  return blocks;
}

/** Templates in tool definitions may use the tool's params, `args`, `env` and `config`. */
export function checkToolTemplates(file: YamlSource, name: string, def: Record<string, unknown>, params: string[]): Problem[] {
  const problems: Problem[] = [];
  const known = new Set([...params, 'args', 'env', 'config']);
  for (const key of ['command', 'http', 'env', 'cwd']) {
    walkStrings(def[key], ['tools', name, key], (text, p) => {
      if (!isTemplate(text)) return;
      const pos = locate(file, p);
      try {
        for (const n of freeNames(text)) {
          if (!known.has(n.name)) problems.push({ file: file.file, line: pos.line, col: pos.col, code: 'VALIDATION', message: `tool '${name}': '${n.name}' is not a param of this tool (use params:, or args, env, config)` });
        }
      } catch (err) {
        problems.push({ file: file.file, line: pos.line, col: pos.col, code: 'TEMPLATE', message: `tool '${name}': template does not parse: ${firstLine(err)}` });
      }
    });
  }
  return problems;
}

function walkStrings(value: unknown, path: JsonPath, visit: (text: string, path: JsonPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines[lines.length - 1] ?? text).replace(/^Error:\s*/, '');
}
