import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProject, BIN, text } from './mcp-fixture.js';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
});

/** `aiw mcp --http` on a free loopback port; resolves with the URL it prints on stderr. */
function serve(root: TempRoot, args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, '--root', root.dir, 'mcp', ...args], { env: { PATH: process.env.PATH, HOME: root.dir, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /serving (http:\/\/\S+\/mcp)/.exec(stderr);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`aiw mcp exited with ${code}: ${stderr}`)));
  });
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'aiw-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('aiw mcp over Streamable HTTP', () => {
  it('serves the SDK client on loopback: tools, a skill run with progress, a healed tool', async () => {
    const root = agentProject();
    const { url, child } = await serve(root, ['--http', '127.0.0.1:0']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(url);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('skill_greet');
      const progress: string[] = [];
      const run = await client.callTool({ name: 'skill_greet', arguments: { who: 'http' } }, undefined, { onprogress: (p) => progress.push(p.message ?? '') });
      expect(run.structuredContent).toMatchObject({ status: 'success', outputs: { said: 'hello http' } });
      expect(progress).toContain("step 'ship': healed");
      const tool = await client.callTool({ name: 'tool_say', arguments: { text: 'over http' } });
      expect(text(tool)).toBe('over http');
    } finally {
      await client.close();
    }
    // SIGTERM (or Ctrl-C) stops the server like any interrupted command.
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
  });

  it('requires the bearer token from --token-env, and refuses to serve off loopback without one', async () => {
    const root = agentProject();
    const { url } = await serve(root, ['--http', '127.0.0.1:0', '--token-env', 'MY_TOKEN'], { MY_TOKEN: 's3cret-token-value' });
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    await expect(connect(url, { authorization: 'Bearer wrong' })).rejects.toThrow();
    const client = await connect(url, { authorization: 'Bearer s3cret-token-value' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    await client.close();

    const refused = spawn(process.execPath, [BIN, '--root', root.dir, 'mcp', '--http', '0.0.0.0:0'], { env: { PATH: process.env.PATH, CI: 'true' } });
    let stderr = '';
    refused.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const code = await new Promise((r) => refused.on('exit', r));
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to serve MCP on 0.0.0.0 without a bearer token');
  });

  it('is an MCP server another aiw project can declare: its tools over Streamable HTTP, with the bearer token from env', async () => {
    const served = agentProject();
    const { url } = await serve(served, ['--http', '127.0.0.1:0'], { AIW_MCP_TOKEN: 'tok-123456789' });
    const root = tempRoot();
    root.write('tools/remote.yaml', `mcp_servers:\n  ops:\n    url: ${url}\n    bearer_token_env: OPS_TOKEN\n`);
    root.write('skills/use.yaml', 'name: use\nsteps:\n  - name: hi\n    tool: ops.tool_say\n    args: { text: remote }\n');
    const res = await aiw(['run', 'use', '--json'], { root: root.dir, env: { OPS_TOKEN: 'tok-123456789' } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json<{ steps: Array<{ output: unknown }> }>().steps[0]!.output).toMatchObject({ ok: true, output: 'remote' });
    const denied = await aiw(['tool', 'ops.tool_say', '-a', 'text=x', '--json', '--no-heal', '--root', root.dir], { env: { OPS_TOKEN: 'wrong' } });
    expect(denied.code).toBe(1);
    expect(denied.json<{ error: { message: string } }>().error.message).toContain('unauthorized');
  });
});
