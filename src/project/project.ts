import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AiwError, ValidationError, type Problem } from '../errors/errors.js';
import { closestNames } from '../errors/did-you-mean.js';
import { checkSchema } from '../source/check-schema.js';
import { cacheStore } from '../files/cache-store.js';
import { parseYamlBytes } from '../source/parse-cache.js';
import { locate, type YamlSource } from '../source/yaml-source.js';

/** Where a project's skills, tools, memory and config live. */
export interface Project {
  root: string;
  skillsDir: string;
  toolsDir: string;
  /** Tool files aiw ships with that the config includes (`tools: { include: [k8s] }`), loaded beside toolsDir. */
  includedToolFiles: string[];
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
  return projectAbove(resolve(options.cwd ?? process.cwd())) ?? shippedRoot();
}

/** The nearest directory at or above `dir` that holds skills/ or aiw.config.yaml. */
export function projectAbove(start: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'skills')) || existsSync(join(dir, 'aiw.config.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function openProject(options: ProjectOptions): Promise<Project> {
  const env = options.env ?? process.env;
  const root = findRoot(options);
  const memoryOverride = options.memoryDir ?? env.AIW_MEMORY_DIR;
  const configFile = join(root, 'aiw.config.yaml');
  const { config, includedToolFiles } = await loadConfig(configFile);
  const toolsDir = join(root, 'tools');
  return {
    root,
    skillsDir: join(root, 'skills'),
    toolsDir,
    // The shipped root's own tools/ already holds them: never load a file twice.
    includedToolFiles: includedToolFiles.filter((f) => dirname(f) !== toolsDir),
    memoryDir: memoryOverride ? resolve(options.cwd ?? process.cwd(), memoryOverride) : join(root, 'memory'),
    configFile,
    config,
  };
}

/** The config file, schema-checked; a missing file is an empty config. */
export async function loadConfig(file: string): Promise<{ config: Record<string, unknown>; problems: Problem[]; includedToolFiles: string[] }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, problems: [], includedToolFiles: [] };
    throw new AiwError('CONFIG', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { source, problems } = await parseYamlBytes(file, bytes, cacheStore('parse'));
  if (problems.length) throw new ValidationError(problems);
  const schemaProblems = source.value === null || source.value === undefined ? [] : await checkSchema('config', source);
  if (schemaProblems.length) throw new ValidationError(schemaProblems);
  const config = (source.value as Record<string, unknown>) ?? {};
  const included = includedToolFiles(source, config);
  if (included.problems.length) throw new ValidationError(included.problems);
  return { config, problems: [], includedToolFiles: included.files };
}

/**
 * `tools: { include: [basics, k8s] }`: tool files of the installed package, so that a project with
 * its own tools/ can still use the shipped ones. `"*"` includes them all. An unknown name is a
 * problem at its position, with the names that exist.
 */
function includedToolFiles(source: YamlSource, config: Record<string, unknown>): { files: string[]; problems: Problem[] } {
  const names = (config.tools as { include?: string[] } | undefined)?.include ?? [];
  if (!names.length) return { files: [], problems: [] };
  const dir = join(shippedRoot(), 'tools');
  const shipped = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
  const files: string[] = [];
  const problems: Problem[] = [];
  names.forEach((name, i) => {
    if (name === '*') files.push(...shipped.map((n) => join(dir, `${n}.yaml`)));
    else if (shipped.includes(name)) files.push(join(dir, `${name}.yaml`));
    else {
      const near = closestNames(name, shipped);
      const pos = locate(source, ['tools', 'include', i]);
      problems.push({
        file: source.file, ...pos, code: 'CONFIG',
        message: `tools.include: aiw ships no tool file '${name}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; shipped: ${shipped.join(', ')}`,
      });
    }
  });
  return { files: [...new Set(files)], problems };
}
