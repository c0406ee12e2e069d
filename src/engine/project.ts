import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AiwError, ValidationError, type Problem } from '../errors/errors.js';
import { checkSchema } from '../skill/check-schema.js';
import { loadSkillFile } from '../skill/load-skill.js';
import type { Skill } from '../skill/model.js';
import { parseYamlSource } from '../skill/yaml-source.js';

/** Where a project's skills, tools, memory and config live. */
export interface Project {
  root: string;
  skillsDir: string;
  toolsDir: string;
  memoryDir: string;
  configFile: string;
  config: Record<string, unknown>;
}

export interface ProjectOptions {
  root?: string;
  memoryDir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The root aiw ships with: the package directory holding skills/, tools/ and memory/. */
export function shippedRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'skills'))) return dir;
    dir = dirname(dir);
  }
  throw new AiwError('USAGE', 'cannot find the skills aiw ships with; pass --root');
}

/** --root, else AIW_ROOT, else the nearest ancestor holding skills/ or aiw.config.yaml, else the shipped root. */
export function findRoot(options: ProjectOptions): string {
  const env = options.env ?? process.env;
  const given = options.root ?? env.AIW_ROOT;
  if (given) {
    const root = resolve(options.cwd ?? process.cwd(), given);
    if (!existsSync(root)) throw new AiwError('USAGE', `project root ${root} does not exist`);
    return root;
  }
  let dir = resolve(options.cwd ?? process.cwd());
  for (;;) {
    if (existsSync(join(dir, 'skills')) || existsSync(join(dir, 'aiw.config.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return shippedRoot();
    dir = parent;
  }
}

export async function openProject(options: ProjectOptions): Promise<Project> {
  const env = options.env ?? process.env;
  const root = findRoot(options);
  const memoryOverride = options.memoryDir ?? env.AIW_MEMORY_DIR;
  const configFile = join(root, 'aiw.config.yaml');
  const { config } = await loadConfig(configFile);
  return {
    root,
    skillsDir: join(root, 'skills'),
    toolsDir: join(root, 'tools'),
    memoryDir: memoryOverride ? resolve(options.cwd ?? process.cwd(), memoryOverride) : join(root, 'memory'),
    configFile,
    config,
  };
}

/** The config file, schema-checked; a missing file is an empty config. */
export async function loadConfig(file: string): Promise<{ config: Record<string, unknown>; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, problems: [] };
    throw new AiwError('CONFIG', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { source, problems } = parseYamlSource(file, text);
  if (problems.length) throw new ValidationError(problems);
  const schemaProblems = source.value === null || source.value === undefined ? [] : checkSchema('config', source);
  if (schemaProblems.length) throw new ValidationError(schemaProblems);
  return { config: (source.value as Record<string, unknown>) ?? {}, problems: [] };
}

/** Skills by name from `<root>/skills`, loaded once per process. */
export function skillLoader(project: Project): (name: string) => Promise<Skill> {
  const cache = new Map<string, Promise<Skill>>();
  return (name) => {
    let p = cache.get(name);
    if (!p) {
      p = loadSkillByName(project, name);
      cache.set(name, p);
    }
    return p;
  };
}

async function loadSkillByName(project: Project, name: string): Promise<Skill> {
  if (name.includes('/') || name.endsWith('.yaml') || name.endsWith('.yml')) {
    const file = resolve(name);
    if (existsSync(file)) return loadSkillFile(file);
  }
  for (const ext of ['.yaml', '.yml']) {
    const file = join(project.skillsDir, `${name}${ext}`);
    if (existsSync(file)) return loadSkillFile(file);
  }
  const { readdir } = await import('node:fs/promises');
  const known = existsSync(project.skillsDir) ? (await readdir(project.skillsDir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')) : [];
  const { closestNames } = await import('../tools/registry.js');
  const near = closestNames(name, known);
  throw new AiwError('UNKNOWN_SKILL', `unknown skill '${name}' (looked in ${project.skillsDir})`, {
    hint: near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : 'run `aiw skills` to list the skills',
  });
}
