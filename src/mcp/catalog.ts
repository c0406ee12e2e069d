import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../errors/errors.js';
import type { InputSpec, Skill } from '../model/skill.js';
import type { ParamSpec, ToolDef } from '../model/tool.js';
import type { Project } from '../project/project.js';
import { loadSkillFile } from '../skill/load-skill.js';
import type { ToolRegistry } from '../tools/registry.js';

/** The learning loop's tools keep the original's names; they are not exposed again as `tool_<name>`. */
export const LEARNING_TOOLS = ['check_known_issues', 'debug_tool', 'learn_tool_fix'] as const;

/** What an exposed MCP tool does, so one dispatcher can serve every name. */
export type Target =
  | { kind: 'skill'; skill: string }
  | { kind: 'run_skill' }
  | { kind: 'list_skills' }
  | { kind: 'plan_skill' }
  | { kind: 'tool'; tool: string }
  | { kind: 'learning'; tool: (typeof LEARNING_TOOLS)[number] }
  | { kind: 'memory_failures' }
  | { kind: 'memory_stats' };

export interface ExposedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
  target: Target;
}

export interface SkillEntry {
  name: string;
  file: string;
  skill?: Skill;
  error?: string;
}

/** Every skill file of the project; one that does not load is listed with its error, never exposed. */
export async function loadSkills(project: Project): Promise<SkillEntry[]> {
  let files: string[];
  try {
    files = (await readdir(project.skillsDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(files.map(async (f) => {
    const file = join(project.skillsDir, f);
    const name = f.replace(/\.ya?ml$/, '');
    try {
      return { name, file, skill: await loadSkillFile(file) };
    } catch (err) {
      return { name, file, error: errorMessage(err) };
    }
  }));
}

/**
 * The tools `aiw mcp` lists, each with a JSON Schema built from the definitions: a skill's typed
 * inputs, a tool's params. Read-only mode keeps only what cannot change anything.
 */
export function buildCatalog(skills: SkillEntry[], registry: ToolRegistry, readOnly: boolean): ExposedTool[] {
  const all: ExposedTool[] = [
    {
      name: 'list_skills', description: 'List the skills of this aiw project with their descriptions and inputs', readOnly: true,
      inputSchema: objectSchema({}), target: { kind: 'list_skills' },
    },
    {
      name: 'plan_skill', description: 'Show the steps a skill would run (tools, conditions, error modes) without running anything', readOnly: true,
      inputSchema: objectSchema({ skill: { type: 'string', description: 'skill name' } }, ['skill']), target: { kind: 'plan_skill' },
    },
    {
      name: 'run_skill', description: 'Run a skill by name with inputs; failing tools are healed as in `aiw run`', readOnly: false,
      inputSchema: objectSchema({ skill: { type: 'string', description: 'skill name' }, inputs: { type: 'object', description: 'the skill inputs' } }, ['skill']),
      target: { kind: 'run_skill' },
    },
    {
      name: 'memory_failures', description: 'Recent tool failures and heal attempts from the attempt log, newest first', readOnly: true,
      inputSchema: objectSchema({ limit: { type: 'integer', description: 'how many (default 20)', minimum: 0 }, tool_name: { type: 'string', description: 'only this tool' } }),
      target: { kind: 'memory_failures' },
    },
    {
      name: 'memory_stats', description: 'Heal statistics: failures, fixes and their success rate per tool and class', readOnly: true,
      inputSchema: objectSchema({}), target: { kind: 'memory_stats' },
    },
  ];
  for (const learning of LEARNING_TOOLS) {
    if (!registry.has(learning)) continue;
    const def = registry.get(learning);
    all.push({
      name: learning, description: def.description ?? learning, readOnly: learning !== 'learn_tool_fix',
      inputSchema: paramsSchema(def.params), target: { kind: 'learning', tool: learning },
    });
  }
  for (const entry of skills) {
    if (!entry.skill) continue;
    const s = entry.skill;
    all.push({
      name: exposedName('skill_', s.name), description: `Run skill '${s.name}'${s.description ? `: ${s.description}` : ''}`, readOnly: false,
      inputSchema: inputsSchema(s.inputs), target: { kind: 'skill', skill: entry.name },
    });
  }
  for (const tool of registry.all()) {
    if ((LEARNING_TOOLS as readonly string[]).includes(tool.name)) continue;
    all.push({
      name: exposedName('tool_', tool.name), description: toolDescription(tool), readOnly: false,
      inputSchema: paramsSchema(tool.params), target: { kind: 'tool', tool: tool.name },
    });
  }
  return readOnly ? all.filter((t) => t.readOnly) : all;
}

/** MCP clients accept `[A-Za-z0-9_-]` in names (up to 64); a dotted MCP tool name `srv.echo` becomes `tool_srv_echo`. */
export function exposedName(prefix: string, name: string): string {
  return `${prefix}${name.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

function toolDescription(tool: ToolDef): string {
  const kind = tool.kind === 'mcp' ? ` (from MCP server '${tool.server}')` : tool.kind === 'builtin' ? ' (built-in)' : '';
  return `Run aiw tool '${tool.name}'${kind} with auto-heal, as \`aiw tool\` does${tool.description ? `: ${tool.description}` : ''}`;
}

export function inputsSchema(inputs: InputSpec[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const i of inputs) props[i.name] = propertySchema(i);
  return objectSchema(props, inputs.filter((i) => i.required && i.default === undefined).map((i) => i.name));
}

export function paramsSchema(params: Record<string, ParamSpec>): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(params)) props[name] = propertySchema(p);
  return objectSchema(props, Object.entries(params).filter(([, p]) => p.required && p.default === undefined).map(([n]) => n));
}

function propertySchema(spec: { type?: string; description?: string; enum?: unknown[]; default?: unknown }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.type) out.type = spec.type;
  if (spec.description) out.description = spec.description;
  if (spec.enum) out.enum = spec.enum;
  if (spec.default !== undefined) out.default = spec.default;
  return out;
}

function objectSchema(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return required.length ? { type: 'object', properties, required } : { type: 'object', properties };
}
