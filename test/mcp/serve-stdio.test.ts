import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProject, BIN, stdioClient, text } from './mcp-fixture.js';

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

async function connect(...args: Parameters<typeof stdioClient>) {
  const c = await stdioClient(...args);
  clients.push(c.client);
  return c;
}

interface RunDoc { status: string; outputs: Record<string, unknown>; steps: Array<{ name: string; status: string; heals?: unknown[] }> }

describe('aiw mcp over stdio, driven by the SDK client', () => {
  it('lists skills, tools and the learning loop with input schemas built from their definitions', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ['list_skills', 'run_skill', 'plan_skill', 'skill_greet', 'skill_wait', 'tool_deploy', 'tool_say', 'check_known_issues', 'debug_tool', 'learn_tool_fix', 'memory_failures', 'memory_stats']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.has('tool_learn_tool_fix')).toBe(false);
    expect(byName.get('skill_greet')!.inputSchema).toEqual({
      type: 'object',
      properties: { who: { type: 'string', description: 'whom to greet' }, times: { type: 'integer', default: 1 } },
      required: ['who'],
    });
    expect(byName.get('tool_deploy')!.inputSchema).toMatchObject({ properties: { version: { type: 'string' } }, required: ['version'] });
    expect(byName.get('check_known_issues')!.annotations?.readOnlyHint).toBe(true);
  });

  it('runs a skill with a progress notification per step; its failing tool heals through the quick fix', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool({ name: 'skill_greet', arguments: { who: 'ada', times: 2 } }, undefined, { onprogress: (p) => progress.push(p) });
    expect(result.isError).toBeFalsy();
    const doc = result.structuredContent as unknown as RunDoc;
    expect(doc.status).toBe('success');
    expect(doc.outputs).toEqual({ said: 'hello ada' });
    expect(doc.steps.map((s) => [s.name, s.status])).toEqual([['hello', 'success'], ['ship', 'healed']]);
    expect(text(result)).toContain("✔ skill 'greet' success");
    expect(progress.filter((p) => p.message?.includes(': '))).toEqual([
      { progress: 0, total: 2, message: "step 'hello' running" },
      { progress: 1, total: 2, message: "step 'hello': success" },
      { progress: 1, total: 2, message: "step 'ship' running" },
      { progress: 2, total: 2, message: "step 'ship': healed" },
    ].filter((p) => p.message.includes(': ')));
    // Every attempt is in the attempt log, as with `aiw run`.
    const log = readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8');
    expect(log).toContain('"tool":"deploy"');
    expect(log).toContain('"fix_attempted":"login"');
  });

  it('answers invalid inputs and unknown tools with isError and the text the CLI prints, and keeps serving', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    const missing = await client.callTool({ name: 'skill_greet', arguments: { times: 'many' } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("missing required input 'who'");
    expect(text(missing)).toContain("input 'times' must be an integer, got \"many\"");
    expect(text(missing)).toContain('hint: pass inputs with -i name=value');
    const badParam = await client.callTool({ name: 'tool_say', arguments: { txt: 'x' } });
    expect(badParam.isError).toBe(true);
    expect(text(badParam)).toContain("aiw: tool 'say' has no param 'txt'");
    const unknown = await client.callTool({ name: 'skill_gret', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain("did you mean 'skill_greet'");
    const ok = await client.callTool({ name: 'tool_say', arguments: { text: 'still here' } });
    expect(text(ok)).toBe('still here');
  });

  it('cancels a running skill: the tool process stops and the interrupted attempt is recorded', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    const controller = new AbortController();
    const call = client.callTool({ name: 'skill_wait', arguments: {} }, undefined, { signal: controller.signal });
    // Cancel once the long step's process is running (it writes its pid first).
    for (let i = 0; i < 200 && !existsSync(root.path('slow.pid')); i++) await new Promise((r) => setTimeout(r, 100));
    controller.abort('enough');
    await expect(call).rejects.toThrow();
    const log = root.path('memory/learned/tool_failures.yaml');
    // The server records the interrupted attempt after it stopped the tool; wait for it (bounded).
    for (let i = 0; i < 100 && !(existsSync(log) && readFileSync(log, 'utf8').includes('"tool":"slow"')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(log, 'utf8')).toMatch(/"tool":"slow","error":"interrupted".*"success":false/);
    const pid = Number(readFileSync(root.path('slow.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    // The server is still there for the next call.
    expect(text(await client.callTool({ name: 'tool_say', arguments: { text: 'after' } }))).toBe('after');
  });

  it('closes the learning loop: debug_tool, learn_tool_fix, then check_known_issues finds the fix', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    const debug = await client.callTool({ name: 'debug_tool', arguments: { tool_name: 'deploy', error_text: 'Error: 401 Unauthorized' } });
    expect(debug.isError).toBeFalsy();
    expect(text(debug)).toContain(root.path('tools/t.yaml'));
    const before = await client.callTool({ name: 'check_known_issues', arguments: { tool_name: 'deploy', error_text: 'quota exceeded for project' } });
    expect((before.structuredContent as { found: boolean }).found).toBe(false);
    const learned = await client.callTool({
      name: 'learn_tool_fix',
      arguments: { tool_name: 'deploy', error_pattern: 'quota exceeded', root_cause: 'the project ran out of quota', fix_description: 'ask for more quota' },
    });
    expect(learned.isError).toBeFalsy();
    expect(text(learned)).toContain('✅ Saved tool fix to memory!');
    const after = await client.callTool({ name: 'check_known_issues', arguments: { tool_name: 'deploy', error_text: 'Error: quota exceeded for project x' } });
    expect(after.structuredContent).toMatchObject({ found: true, matches: [{ tool_name: 'deploy', pattern: 'quota exceeded', fix: 'ask for more quota' }] });
    expect(text(after)).toContain('💡 Known Issues Found!');
  });

  it('serves memory files and skills as resources, and the debug → fix → learn prompt', async () => {
    const root = agentProject();
    const { client } = await connect(root);
    await client.callTool({ name: 'learn_tool_fix', arguments: { tool_name: 'deploy', error_pattern: 'quota exceeded', root_cause: 'r', fix_description: 'f' } });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['aiw://memory/tool_fixes.yaml', 'aiw://memory/tool_failures.yaml', 'aiw://skills/greet']));
    const fixes = await client.readResource({ uri: 'aiw://memory/tool_fixes.yaml' });
    expect((fixes.contents[0] as { text: string }).text).toContain('error_pattern: "quota exceeded"');
    const skill = await client.readResource({ uri: 'aiw://skills/greet' });
    expect((skill.contents[0] as { text: string }).text).toContain('name: greet');
    await expect(client.readResource({ uri: 'aiw://skills/nope' })).rejects.toThrow(/no resource 'aiw:\/\/skills\/nope'/);
    const prompt = await client.getPrompt({ name: 'fix_tool_failure', arguments: { tool_name: 'deploy', error_text: '401' } });
    const body = (prompt.messages[0]!.content as { text: string }).text;
    expect(body.indexOf('check_known_issues')).toBeLessThan(body.indexOf('debug_tool'));
    expect(body.indexOf('debug_tool')).toBeLessThan(body.indexOf('learn_tool_fix'));
  });

  it('with --read-only exposes only what changes nothing, and refuses the rest', async () => {
    const root = agentProject();
    const { client } = await connect(root, ['--read-only']);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['check_known_issues', 'debug_tool', 'list_skills', 'memory_failures', 'memory_stats', 'plan_skill']);
    const refused = await client.callTool({ name: 'learn_tool_fix', arguments: { tool_name: 'x', error_pattern: 'y', root_cause: 'z', fix_description: 'w' } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('(the server is read-only)');
    expect(existsSync(root.path('memory/learned/tool_fixes.yaml'))).toBe(false);
    const plan = await client.callTool({ name: 'plan_skill', arguments: { skill: 'greet' } });
    expect(text(plan)).toContain('2. ship: tool deploy');
    expect(existsSync(root.path('token'))).toBe(false);
  });

  it('answers a call still running when the client closes stdin, then exits 0 (`... | aiw mcp` in a script)', () => {
    const root = agentProject();
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'sh', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'tool_say', arguments: { text: 'piped' } } },
    ].map((m) => JSON.stringify(m)).join('\n');
    const res = spawnSync(process.execPath, [BIN, '--root', root.dir, 'mcp'], { input: `${lines}\n`, encoding: 'utf8', env: { PATH: process.env.PATH, CI: 'true' }, timeout: 30_000 });
    expect(res.status).toBe(0);
    const answers = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; result: Record<string, unknown> });
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(text(answers[1]!.result)).toBe('piped');
  });

  it('writes nothing but protocol on stdout: memory warnings go to stderr', async () => {
    const root = agentProject();
    root.write('memory/learned/tool_failures.yaml', 'failures: [this is: not: valid\n');
    const { client, stderr } = await connect(root);
    // A run reads and appends the attempt log; a broken one is a warning, and the protocol survives it.
    const result = await client.callTool({ name: 'skill_greet', arguments: { who: 'x' } });
    expect((result.structuredContent as unknown as RunDoc).status).toBe('success');
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    expect(stderr()).not.toContain('"jsonrpc"');
  });
});
