// Bundled by bench/baselines/mcp-inprocess.mjs: aiw's own path for one MCP tool call (registry tool,
// params checked, heal loop, McpSource connection), exactly as a step or `aiw tool` takes it.
import { Healer } from '../../src/heal/healer.js';
import { prepareCall } from '../../src/tools/execute-tool.js';
import { ToolRegistry } from '../../src/tools/registry.js';

export async function aiwCaller(toolsDir: string, cacheDir: string, tool: string) {
  const registry = await ToolRegistry.load(toolsDir, [], [], { cacheDir, env: process.env, config: {} });
  if (registry.problems.length) throw new Error(JSON.stringify(registry.problems));
  const healer = new Healer({ registry, config: {}, env: process.env, runId: 'bench', emit: () => undefined });
  const def = registry.get(tool);
  return {
    async call(args: Record<string, unknown>): Promise<unknown> {
      const outcome = await healer.call({
        prepared: prepareCall(def, args), skill: 'bench', step: 'call', depth: 0, scope: {}, policy: { onError: 'auto_heal' },
      });
      if (!outcome.result.ok) throw new Error(outcome.result.error);
      return outcome.result.output;
    },
    close: () => registry.close(),
  };
}
