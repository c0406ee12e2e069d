import { existsSync, readFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpSource } from '../../../src/tools/mcp/mcp-source.js';
import type { McpTool, ToolRunContext } from '../../../src/model/tool.js';
import { tempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { isRunning } from '../../reliability/support/processes.js';

const require = createRequire(import.meta.url);
const EVERYTHING = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

/**
 * The call path of one MCP tool in process, against the real reference server started through a
 * wrapper that records each start's pid: a call to a server already running has its time limit and
 * its interruption without a timer or signal of its own, and still stops a server that hangs.
 */
const sources: McpSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

async function everything(root: TempRoot, servers = ['everything']): Promise<{ tool: (name: string) => McpTool; pids: (server?: string) => number[] }> {
  const specs = servers.map((name, i) => {
    const command = root.script(`bin/${name}`, `echo $$ >> '${root.path(`${name}.pids`)}'\nexec '${process.execPath}' '${EVERYTHING}' stdio`);
    return { name, command: [command], location: { file: 'tools/mcp.yaml', line: 2 + 2 * i } };
  });
  const source = await McpSource.load(specs, { cacheDir: root.path('memory/.cache'), env: process.env, config: {}, fetch: true });
  sources.push(source);
  return {
    tool: (name) => source.tools.find((t) => t.name === (name.includes('.') ? name : `everything.${name}`))!,
    pids: (server = 'everything') => (existsSync(root.path(`${server}.pids`)) ? readFileSync(root.path(`${server}.pids`), 'utf8').trim().split('\n').map(Number) : []),
  };
}

const ctx = (over: Partial<ToolRunContext> = {}): ToolRunContext => ({ config: {}, env: process.env, ...over });

describe('MCP tool calls to a server that is already running', () => {
  it('a call past its time limit fails as timed out and stops the server; the next call starts it again', async () => {
    const { tool, pids } = await everything(tempRoot());
    expect((await tool('echo').run({ message: 'one' }, ctx())).output).toBe('Echo: one');
    const [first] = pids();
    const hung = await tool('trigger-long-running-operation').run({ duration: 600, steps: 2 }, ctx({ timeoutMs: 300 }));
    expect(hung).toMatchObject({ ok: false, timedOut: true, error: "MCP tool 'trigger-long-running-operation' of server 'everything' timed out after 300 ms; the server was stopped" });
    expect(isRunning(first!)).toBe(false);
    expect((await tool('echo').run({ message: 'two' }, ctx())).output).toBe('Echo: two');
    expect(pids()).toHaveLength(2);
    expect(pids()[1]).not.toBe(first);
  });

  it('a run aborted during a call interrupts it and stops its server, not a server with no call in flight', async () => {
    const { tool, pids } = await everything(tempRoot(), ['everything', 'idle']);
    const run = new AbortController();
    expect((await tool('echo').run({ message: 'one' }, ctx({ signal: run.signal }))).ok).toBe(true);
    expect((await tool('idle.echo').run({ message: 'one' }, ctx({ signal: run.signal }))).ok).toBe(true);
    const call = tool('trigger-long-running-operation').run({ duration: 600, steps: 2 }, ctx({ signal: run.signal }));
    setTimeout(() => run.abort(), 200);
    expect(await call).toMatchObject({ ok: false, interrupted: true, error: "MCP tool 'trigger-long-running-operation' of server 'everything' was interrupted" });
    expect(pids().map(isRunning)).toEqual([false]);
    expect(pids('idle').map(isRunning)).toEqual([true]);
  });

  it('a run aborted before a call interrupts it without an answer', async () => {
    const { tool } = await everything(tempRoot());
    const run = new AbortController();
    expect((await tool('echo').run({ message: 'one' }, ctx({ signal: run.signal }))).ok).toBe(true);
    run.abort();
    expect(await tool('echo').run({ message: 'two' }, ctx({ signal: run.signal }))).toMatchObject({ ok: false, interrupted: true });
  });

  it("many calls to several servers under one run's signal leave one listener on it, and servers between calls running", async () => {
    const { tool, pids } = await everything(tempRoot(), ['everything', 'second']);
    const run = new AbortController();
    for (let i = 0; i < 12; i++) {
      expect((await tool('echo').run({ message: `call ${i}` }, ctx({ signal: run.signal }))).output).toBe(`Echo: call ${i}`);
      expect((await tool('second.echo').run({ message: `call ${i}` }, ctx({ signal: run.signal }))).output).toBe(`Echo: call ${i}`);
    }
    expect(getEventListeners(run.signal, 'abort').length).toBeLessThanOrEqual(1);
    // No call in flight: the abort is the run's to act on, the servers stay until the run closes them.
    run.abort();
    expect([...pids(), ...pids('second')].filter(isRunning)).toHaveLength(2);
  });
});
