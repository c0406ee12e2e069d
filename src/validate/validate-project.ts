import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { closestNames } from '../errors/did-you-mean.js';
import { AiwError, ValidationError, type Problem } from '../errors/errors.js';
import { memoryTools } from '../learn/memory-tools.js';
import type { ToolDef } from '../model/tool.js';
import { loadConfig, openProject } from '../project/project.js';
import { buildSkill } from '../skill/load-skill.js';
import { skillDialect } from '../model/dialect.js';
import { cacheStore } from '../files/cache-store.js';
import { readYamlSource } from '../source/parse-cache.js';
import { builtinTools } from '../tools/builtin/index.js';
import { loadToolFile } from '../tools/load-tools.js';
import { ToolRegistry } from '../tools/registry.js';
import { checkSkillReferences, checkToolTemplates } from './check-references.js';
import { checkPythonBlocks, type PythonBlock } from './check-python.js';
import { isReturnItem, type ReturnItem, type Skill, type Step } from '../model/skill.js';
import { configPatternProblems, skillPatternProblems, toolPatternProblems } from './check-patterns.js';
import { checkConfigHeals, checkSkillHeals, checkToolHeal, healNames, type HealNames } from './check-heal.js';

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
  /** What a reader should know but is not a problem: where MCP tool lists came from and how old they are. */
  notes: string[];
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
  // MCP tools are checked against the cached lists (offline); a server without one is asked once.
  const registry = await ToolRegistry.load(toolsDir, [...builtinTools(), ...memory], proj?.includedToolFiles ?? [], {
    cacheDir: join(proj?.memoryDir ?? join(root, 'memory'), '.cache'), env: req.env, config: proj?.config ?? {},
  });
  await registry.close();
  const notes = (registry.mcp?.servers ?? []).map((s) => s.error
    ? `MCP server '${s.spec.name}' (${s.spec.location.file}:${s.spec.location.line ?? 1}): no cached tool list and the server could not be asked, so its tools are unknown: ${s.error.split('\n')[0]}`
    : `MCP server '${s.spec.name}': ${s.tools.length} tools checked against the list read ${s.age} ago${s.listedFrom === 'cache' ? ' (cached; `aiw tools --refresh` reads it again)' : ''}`);
  const tools = new Map<string, ToolDef>(registry.names().map((n) => [n, registry.get(n)]));
  for (const p of registry.problems) if (targets.includes(resolve(p.file))) problems.push(p);
  const lookup = { has: (n: string) => tools.has(n), params: (n: string) => tools.get(n)?.params, names: () => [...tools.keys()] };
  const skillNames = new Set((await listYaml(skillsDir)).map((f) => basename(f).replace(/\.ya?ml$/, '')));
  const heals = healNames(proj?.config ?? {});
  const pythonBlocks: PythonBlock[] = [];
  for (const file of targets) {
    const kind = kindOf(file, root);
    if (kind === 'tool') problems.push(...(await checkToolFile(file, heals)));
    else if (kind === 'config') problems.push(...(await checkConfigFile(file, tools, heals)));
    else if (kind === 'skill') problems.push(...(await checkSkillFile(file, lookup, (n) => skillNames.has(n), heals, proj?.config ?? {}, pythonBlocks)));
    else if (kind === 'memory') for (const p of await checkMemory(dirname(dirname(file)))) if (resolve(p.file) === file) problems.push(p);
  }
  problems.push(...(await checkPythonBlocks(pythonBlocks, req.env.AIW_PYTHON || 'python3')));
  if (proj && !req.files.length) for (const p of await checkMemory(proj.memoryDir)) problems.push(p);
  return { problems, files: targets.length, notes };
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

async function checkSkillFile(file: string, tools: Parameters<typeof checkSkillReferences>[2], skillExists: (n: string) => boolean, heals: HealNames, config: Record<string, unknown>, pythonBlocks: PythonBlock[]): Promise<Problem[]> {
  const { source, problems } = await readYamlSource(file, cacheStore('parse'));
  if (problems.length) return problems;
  const built = await buildSkill(source);
  if (!built.skill) return built.problems;
  const dialect = skillDialect(built.skill, config);
  if (dialect === 'python') pythonBlocks.push(...pythonBlocksOf(built.skill, source.text));
  return [...checkSkillReferences(built.skill, source, tools, skillExists, dialect, cacheStore('parse')), ...checkSkillHeals(built.skill, source, heals), ...skillPatternProblems(source)];
}

async function checkToolFile(file: string, heals: HealNames): Promise<Problem[]> {
  const { source, problems } = await readYamlSource(file, cacheStore('parse'));
  if (problems.length) return problems;
  // The registry already reported this file's load problems (each once); the tools that loaded are checked further.
  const { tools } = await loadToolFile(file);
  const raw = (source.value as { tools?: Record<string, Record<string, unknown>> }).tools ?? {};
  return tools.flatMap((t) => [
    ...checkToolTemplates(source, t.name, raw[t.name] ?? {}, Object.keys(t.params)), ...toolPatternProblems(source, t.name, raw[t.name] ?? {}),
    ...checkToolHeal(source, t.name, t.auto_heal, heals),
  ]);
}

async function checkConfigFile(file: string, tools: Map<string, ToolDef>, heals: HealNames): Promise<Problem[]> {
  let config: Record<string, unknown>;
  try {
    ({ config } = await loadConfig(file));
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  const { source } = await readYamlSource(file, cacheStore('parse'));
  const problems: Problem[] = [...configPatternProblems(source), ...checkConfigHeals(source, config, heals)];
  const profiles = ((config.auto_heal as Record<string, unknown> | undefined)?.profiles ?? {}) as Record<string, Record<string, { tool: string }>>;
  const { locate } = await import('../source/yaml-source.js');
  for (const [profile, classes] of Object.entries(profiles)) {
    for (const [cls, fix] of Object.entries(classes)) {
      if (!tools.has(fix.tool)) {
        const pos = locate(source, ['auto_heal', 'profiles', profile, cls, 'tool']);
        const near = closestNames(fix.tool, [...tools.keys()]);
        const hint = near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : '';
        problems.push({ file, line: pos.line, col: pos.col, code: 'UNKNOWN_TOOL', message: `heal profile '${profile}' uses unknown tool '${fix.tool}' for ${cls}${hint}` });
      }
    }
  }
  return problems;
}

async function checkMemory(memoryDir: string): Promise<Problem[]> {
  const { checkMemoryFiles } = await import('./check-memory.js');
  return checkMemoryFiles(memoryDir);
}

/** Every compute block of a skill (steps, nested then: steps, outputs) with where its code starts. */
function pythonBlocksOf(skill: Skill, text: string): PythonBlock[] {
  const blocks: PythonBlock[] = [];
  const walk = (items: Array<Step | ReturnItem>) => {
    for (const item of items) {
      if (isReturnItem(item)) continue;
      if (item.compute !== undefined) blocks.push({ file: skill.file, line: item.computeLine ?? item.line, text, code: item.compute, what: `step '${item.name}'` });
      if (item.then) walk(item.then);
    }
  };
  walk(skill.steps);
  for (const out of skill.outputs) {
    if (out.compute !== undefined) blocks.push({ file: skill.file, line: out.computeLine ?? out.line, text, code: out.compute, what: `output '${out.name}'` });
  }
  return blocks;
}
