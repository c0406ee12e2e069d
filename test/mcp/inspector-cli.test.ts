import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { agentProject, BIN } from './mcp-fixture.js';

const run = promisify(execFile);
// The inspector CLI reads its package.json relative to the working directory: run it from its own build/.
const inspectorDir = join(dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')), 'build');

async function inspect(root: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['index.js', process.execPath, BIN, '--root', root, 'mcp', ...args], { cwd: inspectorDir, env: { PATH: process.env.PATH, HOME: root, CI: 'true' }, timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('aiw mcp, as the MCP Inspector CLI sees it', () => {
  it('lists the tools and runs a skill', async () => {
    const root = agentProject();
    const tools = (await inspect(root.dir, ['--method', 'tools/list'])).tools as Array<{ name: string }>;
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['skill_greet', 'check_known_issues', 'learn_tool_fix']));
    const called = await inspect(root.dir, ['--method', 'tools/call', '--tool-name', 'skill_greet', '--tool-arg', 'who=inspector']);
    expect(called.structuredContent).toMatchObject({ status: 'success', outputs: { said: 'hello inspector' } });
    const prompts = (await inspect(root.dir, ['--method', 'prompts/list'])).prompts as Array<{ name: string }>;
    expect(prompts.map((p) => p.name)).toEqual(['fix_tool_failure']);
  });
});
