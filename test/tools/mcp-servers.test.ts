import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiw, tempRoot, type TempRoot } from '../helpers/temp-root.js';
import { isRunning } from '../reliability/support/processes.js';

const require = createRequire(import.meta.url);
const serverMain = (pkg: string) => join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
const EVERYTHING = serverMain('@modelcontextprotocol/server-everything');
const FILESYSTEM = serverMain('@modelcontextprotocol/server-filesystem');

/**
 * A project whose tool file declares real MCP servers from the npm registry, each started through a
 * tiny wrapper that records its pid (to count starts and check that it was stopped) and that
 * refuses to start while `offline` exists (to show validate works from the cached list).
 */
function project(): TempRoot {
  const root = tempRoot();
  const wrap = (name: string, main: string, args: string) => root.script(`bin/${name}`, `[ -f '${root.path('offline')}' ] && { echo "offline" >&2; exit 3; }
echo $$ >> '${root.path(`${name}.pids`)}'
exec '${process.execPath}' '${main}' ${args}`);
  root.write('data/notes.txt', 'first line\nsecond line\n');
  root.write('tools/mcp.yaml', `mcp_servers:
  everything:
    description: the MCP reference server
    command: ["${wrap('everything', EVERYTHING, 'stdio')}"]
  fs:
    command: ["${wrap('fs', FILESYSTEM, `'${root.path('data')}'`)}"]
  files:
    prefix: files_
    command: ["${wrap('files', FILESYSTEM, `'${root.path('missing')}'`)}"]
tools:
  make_missing_dir:
    command: [mkdir, -p, "${root.path('missing')}"]
    remedy_safe: true
`);
  return root;
}

const pids = (root: TempRoot, name: string) => (existsSync(root.path(`${name}.pids`)) ? readFileSync(root.path(`${name}.pids`), 'utf8').trim().split('\n').map(Number) : []);

interface RunDoc { status: string; outputs: Record<string, unknown>; steps: Array<{ name: string; status: string; error?: { message: string }; output?: unknown; classification?: { class: string } | null; heals?: Array<{ fix: string; source: string; fix_success: boolean }> }> }

describe('tools from MCP servers (real servers from the npm registry)', () => {
  it('calls tools of two servers from a skill: one process per server for the run, stopped at its end', async () => {
    const root = project();
    root.write('skills/read.yaml', `name: read
steps:
  - name: echo
    tool: everything.echo
    args: { message: "hi" }
  - name: sum
    tool: everything.get-sum
    args: { a: 2, b: 3 }
  - name: notes
    tool: fs.read_text_file
    args: { path: "${root.path('data/notes.txt')}", head: 1 }
  - name: again
    tool: everything.echo
    args: { message: "{{ notes.content }}" }
outputs:
  - { name: echoed, value: "{{ again }}" }
  - { name: sum, value: "{{ sum }}" }
`);
    const res = await aiw(['run', 'read', '--json'], { root: root.dir });
    const doc = res.json<RunDoc>();
    expect(doc.status, res.stderr).toBe('success');
    // A tool's structured content is its output (read_text_file answers {content}); plain text otherwise.
    expect(doc.outputs).toEqual({ echoed: 'Echo: first line', sum: 'The sum of 2 and 3 is 5.' });
    // Listing the tools (first run, no cache) and the three calls share one process per server.
    expect(pids(root, 'everything')).toHaveLength(1);
    expect(pids(root, 'fs')).toHaveLength(1);
    expect([...pids(root, 'everything'), ...pids(root, 'fs')].filter(isRunning)).toEqual([]);
  });

  it('lists the servers tools with params from their input schemas; validate checks skills against the cached list offline', async () => {
    const root = project();
    const listed = await aiw(['tools', '--json'], { root: root.dir });
    const doc = listed.json<{ tools: Array<{ name: string; kind: string; params: string[] }>; mcp_servers: Array<{ name: string; listed_from: string; tools: number; error?: string }> }>();
    expect(doc.tools.find((t) => t.name === 'fs.read_text_file')).toMatchObject({ kind: 'mcp', params: ['path', 'tail', 'head'] });
    expect(doc.tools.find((t) => t.name === 'everything.echo')).toMatchObject({ params: ['message'] });
    expect(doc.mcp_servers.find((s) => s.name === 'files')).toMatchObject({ listed_from: 'none', tools: 0 });
    expect(doc.mcp_servers.find((s) => s.name === 'files')!.error).toContain('None of the specified directories are accessible');
    expect(existsSync(root.path('memory/.cache/mcp/everything.json'))).toBe(true);

    root.write('offline', '');
    root.write('skills/bad.yaml', `name: bad
steps:
  - name: a
    tool: everything.ecko
    args: { message: x }
  - name: b
    tool: everything.echo
    args: { mesage: x }
  - name: c
    tool: fs.read_text_file
`);
    const checked = await aiw(['validate', '--json'], { root: root.dir });
    expect(checked.code).toBe(2);
    const messages = checked.json<{ problems: Array<{ message: string; line: number }>; notes: string[] }>();
    expect(messages.problems.map((p) => [p.line, p.message])).toEqual([
      [4, "step 'a': unknown tool 'everything.ecko' (did you mean 'everything.echo', 'everything.get-env', 'everything.get-sum'?)"],
      [8, "step 'b': tool 'everything.echo' has no param 'mesage' (params: message) (did you mean 'message'?)"],
      [6, "step 'b': tool 'everything.echo' needs param 'message'"],
      [9, "step 'c': tool 'fs.read_text_file' needs param 'path'"],
    ]);
    expect(messages.notes.find((n) => n.startsWith("MCP server 'everything'"))).toMatch(/13 tools checked against the list read \d+ seconds? ago \(cached/);
    const text = await aiw(['validate'], { root: root.dir });
    expect(text.stdout).toContain("did you mean 'everything.echo'");
  });

  it('a server that cannot start is a tool failure with the server\'s own words; a learned remedy heals it', async () => {
    const root = project();
    root.write('skills/list.yaml', `name: list
steps:
  - name: ls
    tool: files_list_directory
    args: { path: "${root.path('missing')}" }
    on_error: auto_heal
`);
    const failed = await aiw(['run', 'list', '--json'], { root: root.dir });
    expect(failed.code).toBe(0); // auto_heal: the skill goes on past the failure (partial)
    const step = failed.json<RunDoc>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.error?.message).toContain("MCP server 'files' could not start");
    expect(step.error?.message).toContain('None of the specified directories are accessible');
    const log = readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8');
    expect(log).toContain('"tool":"files_list_directory"');

    const learned = await aiw(['learn-fix', '--tool', 'files_list_directory', '--pattern', 'None of the specified directories are accessible',
      '--root-cause', 'the data directory is missing', '--fix', 'create it', '--remedy-tool', 'make_missing_dir', '--trust'], { root: root.dir });
    expect(learned.code, learned.stderr).toBe(0);
    const healed = await aiw(['run', 'list', '--json'], { root: root.dir });
    const healedStep = healed.json<RunDoc>().steps[0]!;
    expect(healedStep.status, healed.stderr).toBe('healed');
    expect(healedStep.heals).toEqual([expect.objectContaining({ fix: 'make_missing_dir', source: 'learned', fix_success: true })]);
    expect(pids(root, 'files').filter(isRunning)).toEqual([]);
  });

  it('a server that dies between calls is started again by the next call of the run', async () => {
    const root = project();
    root.script('bin/kill-server', `pid=$(tail -n 1 '${root.path('everything.pids')}'); kill -9 "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done`);
    root.write('tools/kill.yaml', `tools:\n  kill_server:\n    command: ["${root.path('bin/kill-server')}"]\n`);
    root.write('skills/revive.yaml', `name: revive
steps:
  - { name: before, tool: everything.echo, args: { message: one } }
  - { name: kill, tool: kill_server }
  - { name: after, tool: everything.echo, args: { message: two } }
`);
    const res = await aiw(['run', 'revive', '--json'], { root: root.dir });
    const doc = res.json<RunDoc>();
    expect(doc.steps.map((s) => [s.name, s.status]), res.stderr).toEqual([['before', 'success'], ['kill', 'success'], ['after', 'success']]);
    expect(doc.steps[2]!.output).toBe('Echo: two');
    expect(pids(root, 'everything')).toHaveLength(2);
    expect(pids(root, 'everything').filter(isRunning)).toEqual([]);
  });

  it('a Streamable HTTP server that is not there is a network failure (classified by the cause, not just "fetch failed")', async () => {
    const root = tempRoot();
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    root.write('tools/web.yaml', `mcp_servers:\n  web:\n    url: http://127.0.0.1:${port}/mcp\n`);
    const res = await aiw(['tool', 'web.search', '-a', 'q=x', '--json', '--no-heal'], { root: root.dir });
    expect(res.code).toBe(1);
    const doc = res.json<{ error: { message: string }; classification: { class: string } }>();
    expect(doc.error.message).toBe(`MCP server 'web' could not start: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(doc.classification.class).toBe('network');
  });

  it('a call that hangs is stopped at the step timeout, with its server, and classified as a timeout', async () => {
    const root = project();
    root.write('skills/hang.yaml', `name: hang
steps:
  - name: long
    tool: everything.trigger-long-running-operation
    args: { duration: 600, steps: 2 }
    timeout: 2s
`);
    const res = await aiw(['run', 'hang', '--json'], { root: root.dir });
    expect(res.code).toBe(1);
    const step = res.json<RunDoc>().steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.error?.message).toBe("MCP tool 'trigger-long-running-operation' of server 'everything' timed out after 2000 ms; the server was stopped");
    expect(step.classification?.class).toBe('timeout');
    expect(pids(root, 'everything').filter(isRunning)).toEqual([]);
  });

  it('an isError answer is a failure whose text the heal loop classifies, recorded like any attempt', async () => {
    const root = project();
    const res = await aiw(['tool', 'fs.read_text_file', '-a', 'path=/etc/hostname', '--json'], { root: root.dir });
    expect(res.code).toBe(1);
    const doc = res.json<{ status: string; error: { message: string } }>();
    expect(doc.error.message).toMatch(/^MCP tool 'read_text_file' of server 'fs' failed: .*Access denied - path outside allowed directories/);
    expect(readFileSync(root.path('memory/learned/tool_failures.yaml'), 'utf8')).toContain('"tool":"fs.read_text_file"');
  });
});
