import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { AiwError, ValidationError, type Problem } from '../errors/errors.js';
import { memoryTools } from '../learn/memory-tools.js';
import type { ToolDef } from '../model/tool.js';
import { loadConfig, openProject } from '../project/project.js';
import { buildSkill } from '../skill/load-skill.js';
import { readYamlSource } from '../source/yaml-source.js';
import { builtinTools } from '../tools/builtin/index.js';
import { loadToolFile } from '../tools/load-tools.js';
import { ToolRegistry } from '../tools/registry.js';
import { checkSkillReferences, checkToolTemplates } from './check-references.js';
import { configPatternProblems, skillPatternProblems, toolPatternProblems } from './check-patterns.js';

export interface ValidateRequest {
  /** Files to check; empty means the whole project (config, tools, skills, memory). */
  files: string[];
  root?: string;
  memoryDir?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ValidateOutcome {
  /** Every problem found, in one pass; file paths are absolute. */
  problems: Problem[];
  /** How many files were checked. */
  files: number;
}

/** Every static check of a project, collected in one pass: what `aiw validate` reports. */
export async function validateProject(req: ValidateRequest): Promise<ValidateOutcome> {
  const project = await openProject({ root: req.root, memoryDir: req.memoryDir, cwd: req.cwd, env: req.env }).catch((err: unknown) => {
    // A broken config is a finding, not a reason to stop: report it with the rest.
    if (err instanceof ValidationError) return { broken: err.problems };
    throw err;
  });
  const problems: Problem[] = 'broken' in project ? [...project.broken] : [];
  const root = 'broken' in project ? resolve(req.cwd, req.root ?? req.env.AIW_ROOT ?? '.') : project.root;
  const proj = 'broken' in project ? undefined : project;
  const toolsDir = join(root, 'tools');
  const skillsDir = join(root, 'skills');
  const targets = req.files.length ? req.files.map((f) => resolve(req.cwd, f)) : await defaultTargets(root);
  for (const f of targets) if (!existsSync(f)) throw new AiwError('USAGE', `no such file: ${f}`);
  // The real registry, with the same built-ins a run has; tools are needed to check skills, so all
  // tool files are loaded even when only skills are named.
  const memory = memoryTools({ memoryDir: proj?.memoryDir ?? join(root, 'memory'), registry: () => registry, config: proj?.config ?? {}, configFile: join(root, 'aiw.config.yaml') });
  const registry = await ToolRegistry.load(toolsDir, [...builtinTools(), ...memory]);
  const tools = new Map<string, ToolDef>(registry.names().map((n) => [n, registry.get(n)]));
  for (const p of registry.problems) if (targets.includes(resolve(p.file))) problems.push(p);
  const lookup = { has: (n: string) => tools.has(n), params: (n: string) => tools.get(n)?.params };
  const skillNames = new Set((await listYaml(skillsDir)).map((f) => basename(f).replace(/\.ya?ml$/, '')));
  for (const file of targets) {
    const kind = kindOf(file, root);
    if (kind === 'tool') problems.push(...(await checkToolFile(file)));
    else if (kind === 'config') problems.push(...(await checkConfigFile(file, tools)));
    else if (kind === 'skill') problems.push(...(await checkSkillFile(file, lookup, (n) => skillNames.has(n))));
    else if (kind === 'memory') for (const p of await checkMemory(dirname(dirname(file)))) if (resolve(p.file) === file) problems.push(p);
  }
  if (proj && !req.files.length) for (const p of await checkMemory(proj.memoryDir)) problems.push(p);
  return { problems, files: targets.length };
}

async function defaultTargets(root: string): Promise<string[]> {
  const config = join(root, 'aiw.config.yaml');
  return [...(existsSync(config) ? [config] : []), ...(await listYaml(join(root, 'tools'))), ...(await listYaml(join(root, 'skills')))];
}

async function listYaml(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(dir, n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function kindOf(file: string, root: string): 'skill' | 'tool' | 'config' | 'memory' {
  if (basename(file) === 'aiw.config.yaml') return 'config';
  const dir = basename(dirname(file));
  if (dir === 'learned' || /^(tool_fixes|patterns|tool_failures)(\.unsaved)?\.ya?ml$/.test(basename(file))) return 'memory';
  if (dir === 'tools') return 'tool';
  if (dir === 'skills' || relative(root, file).startsWith('skills')) return 'skill';
  return 'skill';
}

async function checkSkillFile(file: string, tools: Parameters<typeof checkSkillReferences>[2], skillExists: (n: string) => boolean): Promise<Problem[]> {
  const { source, problems } = await readYamlSource(file);
  if (problems.length) return problems;
  const built = buildSkill(source);
  if (!built.skill) return built.problems;
  return [...checkSkillReferences(built.skill, source, tools, skillExists), ...skillPatternProblems(source)];
}

async function checkToolFile(file: string): Promise<Problem[]> {
  const { source, problems } = await readYamlSource(file);
  if (problems.length) return problems;
  const { tools, problems: p } = await loadToolFile(file);
  // The registry already reported this file's load problems; report each problem once.
  if (p.length) return [];
  const raw = (source.value as { tools: Record<string, Record<string, unknown>> }).tools;
  return tools.flatMap((t) => [...checkToolTemplates(source, t.name, raw[t.name] ?? {}, Object.keys(t.params)), ...toolPatternProblems(source, t.name, raw[t.name] ?? {})]);
}

async function checkConfigFile(file: string, tools: Map<string, ToolDef>): Promise<Problem[]> {
  let config: Record<string, unknown>;
  try {
    ({ config } = await loadConfig(file));
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  const { source } = await readYamlSource(file);
  const problems: Problem[] = configPatternProblems(source);
  const profiles = ((config.auto_heal as Record<string, unknown> | undefined)?.profiles ?? {}) as Record<string, Record<string, { tool: string }>>;
  const { locate } = await import('../source/yaml-source.js');
  for (const [profile, classes] of Object.entries(profiles)) {
    for (const [cls, fix] of Object.entries(classes)) {
      if (!tools.has(fix.tool)) {
        const pos = locate(source, ['auto_heal', 'profiles', profile, cls, 'tool']);
        problems.push({ file, line: pos.line, col: pos.col, code: 'UNKNOWN_TOOL', message: `heal profile '${profile}' uses unknown tool '${fix.tool}' for ${cls}` });
      }
    }
  }
  return problems;
}

async function checkMemory(memoryDir: string): Promise<Problem[]> {
  const { checkMemoryFiles } = await import('./check-memory.js');
  return checkMemoryFiles(memoryDir);
}
