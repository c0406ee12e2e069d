import { AiwError, type Problem } from '../errors/errors.js';
import { loadToolFile, loadToolFiles } from './load-tools.js';
import type { ToolDef } from '../model/tool.js';
import { closestNames } from '../errors/did-you-mean.js';
import type { McpSource, McpSourceOptions } from './mcp/mcp-source.js';

/** Where MCP tool lists are cached, and whether a server may be started to read one that is not. */
export type McpLoadOptions = Omit<McpSourceOptions, 'fetch'> & { fetch?: boolean };

/** YAML tools and TypeScript built-ins, in one place, looked up by name. */
export class ToolRegistry {
  private readonly byName = new Map<string, ToolDef>();
  readonly problems: Problem[] = [];
  readonly files: string[] = [];
  /** The declared MCP servers' tools and connections; undefined when no tool file declares one. */
  mcp?: McpSource;

  /** `included`: tool files from outside toolsDir (the shipped ones a config includes), loaded first. */
  static async load(toolsDir: string, builtins: ToolDef[], included: string[] = [], mcp?: McpLoadOptions): Promise<ToolRegistry> {
    const registry = new ToolRegistry();
    for (const b of builtins) registry.byName.set(b.name, b);
    const own = await loadToolFiles(toolsDir);
    const shipped = await Promise.all(included.map((f) => loadToolFile(f)));
    const tools = [...shipped.flatMap((l) => l.tools), ...own.tools];
    const servers = [...shipped.flatMap((l) => l.servers), ...own.servers];
    const problems = [...shipped.flatMap((l) => l.problems), ...own.problems];
    const files = [...included, ...own.files];
    registry.problems.push(...problems);
    registry.files.push(...files);
    if (servers.length && mcp) {
      // The SDK and the connection code load only for a project that declares MCP servers.
      const { McpSource } = await import('./mcp/mcp-source.js');
      registry.mcp = await McpSource.load(servers, { fetch: true, ...mcp });
      tools.push(...registry.mcp.tools);
    }
    for (const tool of tools) {
      const existing = registry.byName.get(tool.name);
      if (existing) {
        const where = `${existing.location.file}:${existing.location.line ?? 1}`;
        registry.problems.push({
          file: tool.location.file, line: tool.location.line ?? 1, col: tool.location.col ?? 1, code: 'VALIDATION',
          message: `tool '${tool.name}' is already defined at ${where}`,
        });
        continue;
      }
      registry.byName.set(tool.name, tool);
    }
    return registry;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ToolDef {
    const tool = this.byName.get(name) ?? this.mcp?.unlisted(name);
    if (!tool) {
      const near = closestNames(name, this.names());
      throw new AiwError('UNKNOWN_TOOL', `unknown tool '${name}'`, {
        hint: near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : 'run `aiw tools` to list the tools',
      });
    }
    return tool;
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): ToolDef[] {
    return this.names().map((n) => this.byName.get(n)!);
  }

  /** Stop what the tools started (MCP servers): at the end of a run and on Ctrl-C. */
  async close(): Promise<void> {
    await this.mcp?.close();
  }
}

/** Up to three names close to `name` (edit distance or shared substring), best first. */
