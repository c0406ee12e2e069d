import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { renderValue } from '../../template/render.js';
import type { McpServerSpec } from '../../model/tool.js';

/** What a server lists: the part of each tool aiw keeps (and caches). */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}

export interface CallAnswer {
  isError: boolean;
  text: string;
  structured?: unknown;
}

/** A bounded tail of the server's stderr: what a server says when it cannot start is the error text. */
const STDERR_TAIL = 4000;
const CLOSE_GRACE_MS = 300;

/**
 * An error with its causes: fetch says only "fetch failed", its cause says "connect ECONNREFUSED",
 * which is what the failure classes (network) and a person need.
 */
function withCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
  }
  return parts.join(': ');
}

function signal(pid: number | null | undefined, name: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, name);
  } catch (err) {
    // Already gone is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * One running MCP server, spoken to through the official SDK (loaded here, on first use, so a run
 * without MCP tools never pays for it). Started on the first call of a run; a server that died is
 * started again by the next call; `kill` ends a hanging one at once.
 */
export class ServerConnection {
  private client?: Promise<Client>;
  private transport?: Transport & { pid?: number | null };
  private stderrTail = '';
  private closedReason?: string;

  constructor(readonly spec: McpServerSpec, private readonly env: NodeJS.ProcessEnv, private readonly config: Record<string, unknown>) {}

  /** The connected client, starting the server if it is not running. */
  connect(timeoutMs: number, signal?: AbortSignal): Promise<Client> {
    this.client ??= this.start(timeoutMs, signal).catch((err: unknown) => {
      this.client = undefined;
      throw new Error(this.describe(`MCP server '${this.spec.name}' could not start: ${withCauses(err)}`), { cause: err });
    });
    return this.client;
  }

  async list(timeoutMs: number, signal?: AbortSignal): Promise<ListedTool[]> {
    const client = await this.connect(timeoutMs, signal);
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    // Bounded: a server that pages forever cannot hold the run.
    for (let page = 0; page < 100; page++) {
      const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs, signal });
      for (const t of res.tools) tools.push({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> });
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  async call(name: string, args: Record<string, unknown>, timeoutMs: number, signal?: AbortSignal): Promise<CallAnswer> {
    const client = await this.connect(timeoutMs, signal);
    try {
      const res = await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs, signal });
      const content = (res.content ?? []) as Array<{ type: string; text?: string; uri?: string; mimeType?: string }>;
      const text = content.map((c) => (c.type === 'text' ? c.text ?? '' : c.type === 'resource' || c.type === 'resource_link' ? `[${c.type} ${c.uri ?? ''}]` : `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}]`)).join('\n');
      return { isError: res.isError === true, text, structured: res.structuredContent };
    } catch (err) {
      throw new Error(this.describe(withCauses(err)), { cause: err });
    }
  }

  /** Stop a server that does not answer: no polite wait, the process goes now. */
  async kill(reason: string): Promise<void> {
    this.closedReason = reason;
    signal(this.transport?.pid, 'SIGKILL');
    await this.close();
  }

  /**
   * End of the run: the SDK closes stdin and waits 2 s before SIGTERM; many servers never read
   * stdin's end, so aiw sends SIGTERM after a short grace instead of making every run 2 s longer.
   */
  async close(): Promise<void> {
    const client = this.client;
    const pid = this.transport?.pid;
    this.client = undefined;
    this.transport = undefined;
    if (!client) return;
    // A server that never started has nothing to close; its start error went to the call that needed it.
    const c = await client.catch(() => undefined);
    const grace = setTimeout(() => signal(pid, 'SIGTERM'), CLOSE_GRACE_MS);
    try {
      await c?.close();
    } finally {
      clearTimeout(grace);
    }
  }

  private async start(timeoutMs: number, signal?: AbortSignal): Promise<Client> {
    this.closedReason = undefined;
    this.stderrTail = '';
    const [{ Client }, transport] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), this.openTransport()]);
    const client = new Client({ name: 'aiw', version: '1' });
    this.transport = transport;
    // A server that exits between calls is started again by the next one.
    client.onclose = () => {
      if (this.transport === transport) {
        this.client = undefined;
        this.transport = undefined;
      }
    };
    await client.connect(transport, { timeout: timeoutMs, signal });
    return client;
  }

  private async openTransport(): Promise<Transport & { pid?: number | null }> {
    const scope = { env: this.env, config: this.config };
    const origin = { what: `MCP server '${this.spec.name}'`, location: this.spec.location };
    if (this.spec.url) {
      const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      const headers = Object.fromEntries(Object.entries((renderValue(this.spec.headers ?? {}, scope, origin) ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      const token = this.spec.bearer_token_env ? this.env[this.spec.bearer_token_env] : undefined;
      if (token) headers.authorization = `Bearer ${token}`;
      return new StreamableHTTPClientTransport(new URL(String(renderValue(this.spec.url, scope, origin))), { requestInit: { headers } });
    }
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const [command, ...rest] = [...(this.spec.command ?? []), ...(this.spec.args ?? [])].map((a) => String(renderValue(a, scope, origin)));
    const env = Object.fromEntries(Object.entries((renderValue(this.spec.env ?? {}, scope, origin) ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    // Only the SDK's safe list of variables (PATH, HOME, ...) plus the declared ones reach the server.
    const transport = new StdioClientTransport({ command: command!, args: rest, env, cwd: this.spec.cwd, stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    return transport;
  }

  /** An error with what the server said on stderr and why aiw stopped it, if it did. */
  private describe(message: string): string {
    const parts = [message];
    if (this.closedReason) parts.push(`(${this.closedReason})`);
    const tail = this.stderrTail.trim();
    if (tail) parts.push(`server stderr: ${tail}`);
    return parts.join('\n');
  }
}
