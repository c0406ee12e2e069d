import { parseDuration } from '../../source/duration.js';
import { failureResult, type McpServerSpec, type McpTool, type ToolResult, type ToolRunContext } from '../../model/tool.js';
import { paramsFromSchema } from './schema-params.js';
import { ServerConnection, type ListedTool } from './server-connection.js';
import { describeAge, readCachedList, writeCachedList } from './tool-list-cache.js';
import { monotonicMs } from '../../model/clock.js';
import { abortSignalOf, type StopSignal } from '../../model/stop-signal.js';

export const DEFAULT_MCP_TIMEOUT_MS = 120_000;

export interface McpSourceOptions {
  /** Where tool lists are cached (`<memory>/.cache`). */
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  config: Record<string, unknown>;
  /** Start a server whose list is not cached to read it (false: cache only, as `validate --offline` would). */
  fetch: boolean;
  /** Read every list from its server again, replacing the cache. */
  refresh?: boolean;
}

/** What aiw knows about one declared server: where its tool list came from, and how old it is. */
export interface McpServerState {
  spec: McpServerSpec;
  listedFrom: 'server' | 'cache' | 'none';
  fetchedAt?: string;
  age?: string;
  error?: string;
  tools: string[];
}

/** The tools of the declared MCP servers, one connection per server for the session, closed at its end. */
export class McpSource {
  readonly tools: McpTool[] = [];
  readonly servers: McpServerState[] = [];
  private readonly connections = new Map<string, ServerConnection>();

  static async load(specs: McpServerSpec[], opts: McpSourceOptions): Promise<McpSource> {
    const source = new McpSource();
    await Promise.all(specs.map((spec) => source.add(spec, opts)));
    source.tools.sort((a, b) => a.name.localeCompare(b.name));
    return source;
  }

  /** A tool of a server whose list could not be read: the call, not the lookup, reports why. */
  unlisted(name: string): McpTool | undefined {
    const state = this.servers.find((s) => s.listedFrom === 'none' && name.startsWith(prefixOf(s.spec)));
    if (!state) return undefined;
    return this.toolFor(state.spec, { name: name.slice(prefixOf(state.spec).length) }, true);
  }

  /** Stop every server this session started (end of a run, Ctrl-C). */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  private async add(spec: McpServerSpec, opts: McpSourceOptions): Promise<void> {
    const connection = new ServerConnection(spec, opts.env, opts.config);
    this.connections.set(spec.name, connection);
    const state: McpServerState = { spec, listedFrom: 'none', tools: [] };
    this.servers.push(state);
    let listed: ListedTool[] | undefined;
    const cached = opts.refresh ? undefined : await readCachedList(opts.cacheDir, spec);
    if (cached) {
      Object.assign(state, { listedFrom: 'cache', fetchedAt: cached.fetched_at, age: describeAge(cached.fetched_at) });
      listed = cached.tools;
    } else if (opts.fetch) {
      try {
        listed = await connection.list(timeoutOf(spec));
        const written = await writeCachedList(opts.cacheDir, spec, listed);
        Object.assign(state, { listedFrom: 'server', fetchedAt: written.fetched_at, age: describeAge(written.fetched_at) });
      } catch (err) {
        state.error = (err as Error).message;
      }
    }
    for (const t of listed ?? []) {
      const tool = this.toolFor(spec, t, false);
      this.tools.push(tool);
      state.tools.push(tool.name);
    }
  }

  private toolFor(spec: McpServerSpec, listed: ListedTool, unlisted: boolean): McpTool {
    const connection = this.connections.get(spec.name)!;
    const tool: McpTool = {
      kind: 'mcp', name: `${prefixOf(spec)}${listed.name}`, server: spec.name, remote: listed.name,
      description: listed.description, params: paramsFromSchema(listed.inputSchema), inputSchema: listed.inputSchema,
      timeout: spec.timeout, auto_heal: spec.auto_heal, failed_when: spec.failed_when, location: spec.location,
      run: (args, ctx) => callTool(connection, tool, args, ctx),
    };
    if (unlisted) tool.unlisted = true;
    return tool;
  }
}

export function prefixOf(spec: McpServerSpec): string {
  return spec.prefix ?? `${spec.name}.`;
}

function timeoutOf(spec: McpServerSpec, override?: number): number {
  return override ?? parseDuration(spec.timeout, `MCP server '${spec.name}' timeout`, DEFAULT_MCP_TIMEOUT_MS)!;
}

/**
 * One call as a ToolResult, never an exception: a server that cannot start, dies, or answers
 * `isError` is a failure whose text the heal loop classifies; a call past its time limit stops the
 * server (the next call starts it again), since a server that hangs on one call may hang on all.
 */
async function callTool(connection: ServerConnection, tool: McpTool, args: Record<string, unknown>, ctx: ToolRunContext): Promise<ToolResult> {
  const started = monotonicMs();
  const timeoutMs = timeoutOf(connection.spec, ctx.timeoutMs);
  // A running server: the SDK's own request timeout is the limit. A server to start: one timer over
  // the start and the call together, as the call's limit is the person's, however the time is spent.
  const limit = connection.running ? undefined : startLimit(timeoutMs, ctx.signal);
  try {
    const answer = limit
      ? await connection.call(tool.remote, args, timeoutMs, limit.signal)
      : await connection.callRunning(tool.remote, args, timeoutMs, ctx.signal);
    const durationMs = Math.round(monotonicMs() - started);
    if (answer.isError) {
      return { ok: false, output: undefined, error: `MCP tool '${tool.remote}' of server '${tool.server}' failed: ${answer.text}`, timedOut: false, stdout: answer.text, stderr: '', durationMs, command: commandOf(tool) };
    }
    return { ok: true, output: answer.structured ?? answer.text, timedOut: false, stdout: answer.text, stderr: '', durationMs, command: commandOf(tool) };
  } catch (err) {
    const message = (err as Error).message;
    const elapsed = () => Math.round(monotonicMs() - started);
    if (ctx.signal?.aborted) {
      await connection.kill('interrupted');
      return failureResult(`MCP tool '${tool.remote}' of server '${tool.server}' was interrupted`, elapsed(), { interrupted: true, command: commandOf(tool) });
    }
    if (limit?.timer.signal.aborted || /Request timed out/.test(message)) {
      await connection.kill(`aiw stopped it: no answer within ${timeoutMs} ms`);
      return failureResult(`MCP tool '${tool.remote}' of server '${tool.server}' timed out after ${timeoutMs} ms; the server was stopped`, elapsed(), { timedOut: true, command: commandOf(tool) });
    }
    return failureResult(message, elapsed(), { command: commandOf(tool) });
  } finally {
    if (limit) clearTimeout(limit.timeout);
  }
}

/** The time limit of a call that starts its server, and the run's signal, as one signal. */
function startLimit(timeoutMs: number, outer: StopSignal | undefined) {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  return { timer, timeout, signal: outer ? AbortSignal.any([abortSignalOf(outer), timer.signal]) : timer.signal };
}

function commandOf(tool: McpTool): string[] {
  return [`mcp:${tool.server}`, tool.remote];
}
