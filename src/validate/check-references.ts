import vm from 'node:vm';
import type { Problem } from '../errors/errors.js';
import { closestNames } from '../errors/did-you-mean.js';
import { freeNames } from '../template/free-names.js';
import { isTemplate } from '../template/render.js';
import type { ParamSpec } from '../model/tool.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { locate, type JsonPath, type YamlSource } from '../source/yaml-source.js';

export interface ToolLookup {
  has(name: string): boolean;
  params(name: string): Record<string, ParamSpec> | undefined;
  /** Every tool name, for did-you-mean hints. */
  names?(): string[];
}

function didYouMean(name: string, known: string[]): string {
  const near = closestNames(name, known);
  return near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
}

const ALWAYS = ['inputs', 'defaults', 'config', 'env', 'steps'];

/**
 * The checks a schema cannot make: unknown tools, undeclared or missing tool params, templates that
 * do not parse, references to names no input, default or earlier step defines, and compute code
 * that does not compile. One pass; every problem with its position.
 */
export function checkSkillReferences(skill: Skill, source: YamlSource, tools: ToolLookup, skillExists: (name: string) => boolean): Problem[] {
  const problems: Problem[] = [];
  const report = (path: JsonPath, message: string, code: Problem['code'] = 'VALIDATION') => {
    const pos = locate(source, path);
    problems.push({ file: source.file, line: pos.line, col: pos.col, code, message });
  };
  const declaredInputs = new Set(skill.inputs.map((i) => i.name));
  const defined = new Set<string>(ALWAYS);
  const checkTemplates = (value: unknown, path: JsonPath, what: string, known: Set<string>) => {
    walkStrings(value, path, (text, p) => {
      if (!isTemplate(text)) return;
      let names;
      try {
        names = freeNames(text);
      } catch (err) {
        report(p, `${what}: template does not parse: ${firstLine(err)}`, 'TEMPLATE');
        return;
      }
      for (const n of names) if (!known.has(n.name)) report(p, `${what}: '${n.name}' is not defined by any input, default or earlier step`);
      for (const m of text.matchAll(/\binputs\.([A-Za-z_]\w*)/g)) {
        if (!declaredInputs.has(m[1]!)) report(p, `${what}: 'inputs.${m[1]}' is not a declared input`);
      }
    });
  };
  const checkCode = (code: string, path: JsonPath, what: string, line: number) => {
    try {
      new vm.Script(`(function () { ${code}\n})`, { filename: source.file, lineOffset: line - 1 });
    } catch (err) {
      report(path, `${what}: compute code does not compile: ${firstLine(err)}`);
    }
  };
  const walkSteps = (items: Array<Step | ReturnItem>, base: JsonPath) => {
    items.forEach((item, i) => {
      const path = [...base, i];
      if (isReturnItem(item)) {
        checkTemplates(item.return, [...path, 'return'], 'return', defined);
        return;
      }
      const what = `step '${item.name}'`;
      if (item.condition !== undefined) checkTemplates(item.condition, [...path, 'condition'], `${what} condition`, defined);
      if (item.type === 'tool') checkToolStep(item, path, what);
      if (item.type === 'skill') {
        if (!skillExists(item.skill!)) report([...path, 'skill'], `${what}: unknown skill '${item.skill}'`, 'UNKNOWN_SKILL');
        checkTemplates(item.inputs ?? {}, [...path, 'inputs'], `${what} inputs`, defined);
      }
      if (item.type === 'compute') checkCode(item.compute!, [...path, 'compute'], what, item.computeLine ?? item.line);
      for (const [cls, fix] of Object.entries(item.quick_fix ?? {})) {
        if (!tools.has(fix.tool)) report([...path, 'quick_fix', cls, 'tool'], `${what}: quick fix for ${cls} uses unknown tool '${fix.tool}'`, 'UNKNOWN_TOOL');
        checkTemplates(fix.args ?? {}, [...path, 'quick_fix', cls, 'args'], `${what} quick fix`, new Set([...defined, 'args']));
      }
      if (item.then) walkSteps(item.then, [...path, 'then']);
      if (item.type !== 'description') defined.add(item.output ?? item.name);
    });
  };
  const checkToolStep = (step: Step, path: JsonPath, what: string) => {
    checkTemplates(step.args ?? {}, [...path, 'args'], `${what} args`, defined);
    if (!tools.has(step.tool!)) {
      report([...path, 'tool'], `${what}: unknown tool '${step.tool}'${didYouMean(step.tool!, tools.names?.() ?? [])}`, 'UNKNOWN_TOOL');
      return;
    }
    const params = tools.params(step.tool!) ?? {};
    const args = step.args ?? {};
    for (const name of Object.keys(args)) {
      if (!(name in params)) report([...path, 'args', name], `${what}: tool '${step.tool}' has no param '${name}' (params: ${Object.keys(params).join(', ') || 'none'})${didYouMean(name, Object.keys(params))}`);
    }
    for (const [name, spec] of Object.entries(params)) {
      if (spec.required && spec.default === undefined && !(name in args)) report(path, `${what}: tool '${step.tool}' needs param '${name}'`);
    }
  };
  walkSteps(skill.steps, ['steps']);
  skill.outputs.forEach((out, i) => {
    if (out.value !== undefined) checkTemplates(out.value, ['outputs', i, 'value'], `output '${out.name}'`, defined);
    if (out.compute !== undefined) checkCode(out.compute, ['outputs', i, 'compute'], `output '${out.name}'`, out.computeLine ?? out.line);
  });
  return problems;
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
