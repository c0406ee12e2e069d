import { AiwError, type Problem } from '../errors/errors.js';
import { loadToolFile, loadToolFiles } from './load-tools.js';
import type { ToolDef } from '../model/tool.js';
import { closestNames } from '../errors/did-you-mean.js';

/** YAML tools and TypeScript built-ins, in one place, looked up by name. */
export class ToolRegistry {
  private readonly byName = new Map<string, ToolDef>();
  readonly problems: Problem[] = [];
  readonly files: string[] = [];

  /** `included`: tool files from outside toolsDir (the shipped ones a config includes), loaded first. */
  static async load(toolsDir: string, builtins: ToolDef[], included: string[] = []): Promise<ToolRegistry> {
    const registry = new ToolRegistry();
    for (const b of builtins) registry.byName.set(b.name, b);
    const own = await loadToolFiles(toolsDir);
    const shipped = await Promise.all(included.map((f) => loadToolFile(f)));
    const tools = [...shipped.flatMap((l) => l.tools), ...own.tools];
    const problems = [...shipped.flatMap((l) => l.problems), ...own.problems];
    const files = [...included, ...own.files];
    registry.problems.push(...problems);
    registry.files.push(...files);
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
    const tool = this.byName.get(name);
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
}

/** Up to three names close to `name` (edit distance or shared substring), best first. */
