import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../errors/errors.js';
import { checkSchema } from '../source/check-schema.js';
import { cacheStore } from '../files/cache-store.js';
import { readYamlSource } from '../source/parse-cache.js';
import { locate } from '../source/yaml-source.js';
import type { McpServerSpec, ToolDef } from '../model/tool.js';

/** Tools defined in YAML files, each remembering `file:line` for debug-tool and error messages. */
export interface LoadedTools {
  tools: ToolDef[];
  servers: McpServerSpec[];
  problems: Problem[];
}

export async function loadToolFiles(dir: string): Promise<LoadedTools & { files: string[] }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { tools: [], servers: [], problems: [], files: [] };
    throw err;
  }
  const files = names.map((n) => join(dir, n));
  const loaded = await Promise.all(files.map((f) => loadToolFile(f)));
  return { tools: loaded.flatMap((l) => l.tools), servers: loaded.flatMap((l) => l.servers), problems: loaded.flatMap((l) => l.problems), files };
}

export async function loadToolFile(file: string): Promise<LoadedTools> {
  const { source, problems } = await readYamlSource(file, cacheStore('parse'));
  if (problems.length) return { tools: [], servers: [], problems };
  const schemaProblems = await checkSchema('tool', source);
  // A problem inside one tool drops that tool only: the other tools of the file still load (and a
  // skill that uses them is not told they are unknown). A problem above the tools drops the file.
  const broken = new Set<string>();
  for (const p of schemaProblems) {
    if (p.path?.[0] === 'tools' && p.path.length >= 2) broken.add(String(p.path[1]));
    else return { tools: [], servers: [], problems: schemaProblems };
  }
  const value = source.value as { tools?: Record<string, Record<string, unknown>>; mcp_servers?: Record<string, Record<string, unknown>> };
  // Tools from MCP servers are listed later (tools/mcp/): here only where each server is declared.
  const servers = Object.entries(value.mcp_servers ?? {}).map(([name, def]): McpServerSpec => {
    const pos = locate(source, ['mcp_servers', name], { key: true });
    return { ...def, name, location: { file, line: pos.line, col: pos.col } } as McpServerSpec;
  });
  const raw = value.tools ?? {};
  const tools = Object.entries(raw).filter(([name]) => !broken.has(name)).map(([name, def]): ToolDef => {
    const pos = locate(source, ['tools', name], { key: true });
    const base = { ...def, name, params: (def.params as ToolDef['params']) ?? {}, location: { file, line: pos.line, col: pos.col } };
    return (def.http ? { ...base, kind: 'http' } : { ...base, kind: 'command' }) as ToolDef;
  });
  return { tools, servers, problems: schemaProblems };
}
