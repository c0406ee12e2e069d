import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { loadConfig, openProject } from '../../engine/project.js';
import { AiwError, EXIT, ValidationError, formatProblem, type Problem } from '../../errors/errors.js';
import { checkSkillReferences, checkToolTemplates } from '../../skill/check-references.js';
import { buildSkill } from '../../skill/load-skill.js';
import { readYamlSource } from '../../skill/yaml-source.js';
import { builtinTools } from '../../tools/builtin/index.js';
import { memoryTools } from '../../memory/memory-tools.js';
import { loadToolFile } from '../../tools/load-tools.js';
import type { ToolDef } from '../../tools/model.js';
import type { Io } from '../io.js';
import type { GlobalOptions } from '../session.js';
import { configPatternProblems, skillPatternProblems, toolPatternProblems } from './check-patterns.js';

interface ValidateOptions extends GlobalOptions {
  json?: boolean;
}

/** `aiw validate`: the merge-request lint. Exit 0 when clean, 2 when any problem is found. */
export async function validateCommand(files: string[], opts: ValidateOptions, io: Io): Promise<number> {
  const project = await openProject({ root: opts.root, memoryDir: opts.memoryDir, cwd: io.cwd, env: io.env }).catch((err: unknown) => {
    // A broken config is a finding, not a reason to stop: report it with the rest.
    if (err instanceof ValidationError) return { broken: err.problems };
    throw err;
  });
  const problems: Problem[] = 'broken' in project ? [...project.broken] : [];
  const root = 'broken' in project ? resolve(io.cwd, opts.root ?? io.env.AIW_ROOT ?? '.') : project.root;
  const proj = 'broken' in project ? undefined : project;
  const toolsDir = join(root, 'tools');
  const skillsDir = join(root, 'skills');
  const targets = files.length ? files.map((f) => resolve(io.cwd, f)) : await defaultTargets(root);
  for (const f of targets) if (!existsSync(f)) throw new AiwError('USAGE', `no such file: ${f}`);
  // Tools are needed to check skills, so all tool files are loaded even when only skills are named.
  const toolFiles = (await listYaml(toolsDir));
  const builtins = [...builtinTools(), ...memoryTools({ memoryDir: join(root, 'memory'), registry: () => { throw new Error('not used by validate'); }, config: {}, configFile: join(root, 'aiw.config.yaml') })];
  const tools = new Map<string, ToolDef>(builtins.map((t) => [t.name, t]));
  for (const file of toolFiles) {
    const { tools: defs, problems: p } = await loadToolFile(file);
    if (targets.includes(file)) problems.push(...p);
    for (const t of defs) tools.set(t.name, t);
  }
  const lookup = { has: (n: string) => tools.has(n), params: (n: string) => tools.get(n)?.params };
  const skillNames = new Set((await listYaml(skillsDir)).map((f) => basename(f).replace(/\.ya?ml$/, '')));
  for (const file of targets) {
    const kind = kindOf(file, root);
    if (kind === 'tool') problems.push(...(await checkToolFile(file)));
    else if (kind === 'config') problems.push(...(await checkConfigFile(file, tools)));
    else if (kind === 'skill') problems.push(...(await checkSkillFile(file, lookup, (n) => skillNames.has(n))));
    else if (kind === 'memory') problems.push(...(await checkMemory(dirname(dirname(file)))).filter((p) => resolve(p.file) === file));
  }
  if (proj && !files.length) problems.push(...(await checkMemory(proj.memoryDir)));
  const shown = problems.map((p) => ({ ...p, file: relative(io.cwd, p.file) || p.file }));
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: !problems.length, files: targets.length, problems: shown })}\n`);
  else {
    for (const p of shown) io.stdout.write(`${formatProblem(p)}\n`);
    io.stderr.write(problems.length ? `aiw validate: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${targets.length} files\n` : `aiw validate: ${targets.length} files OK\n`);
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    const { workflowCommand } = await import('../../report/github-reporter.js');
    for (const p of shown) io.stdout.write(workflowCommand('error', { file: p.file, line: p.line, col: p.col }, p.message));
  }
  return problems.length ? EXIT.usage : EXIT.ok;
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
  if (p.length) return p;
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
  const { locate } = await import('../../skill/yaml-source.js');
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
  const { checkMemoryFiles } = await import('../../memory/check-memory.js');
  return checkMemoryFiles(memoryDir);
}
