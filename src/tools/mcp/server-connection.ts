import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { renderValue } from '../../template/render.js';
import type { McpServerSpec } from '../../model/tool.js';
import { abortSignalOf, type StopSignal } from '../../model/stop-signal.js';

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

type Content = { type: string; text?: string; uri?: string; mimeType?: string };

/** The answer's content as one text: text parts as they are, anything else named in brackets. */
function contentText(content: Content[] | undefined): string {
  if (!content) return '';
  // The common answer, one text part, without the array copy and join.
  if (content.length === 1 && content[0]!.type === 'text') return content[0]!.text ?? '';
  return content.map((c) => (c.type === 'text' ? c.text ?? '' : c.type === 'resource' || c.type === 'resource_link' ? `[${c.type} ${c.uri ?? ''}]` : `[${c.type}${c.mimeType ? ` ${c.mimeType}` : ''}]`)).join('\n');
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

async function closeClient(client: Promise<Client>, pid: number | null | undefined): Promise<void> {
  // A server that never started has nothing to close; its start error went to the call that needed it.
  const c = await client.catch(() => undefined);
  const grace = setTimeout(() => signal(pid, 'SIGTERM'), CLOSE_GRACE_MS);
  try {
    await c?.close();
  } finally {
    clearTimeout(grace);
  }
}

/**
 * The servers called under each outer signal, behind one 'abort' listener per signal for all of
 * them: a run with a dozen servers adds one listener to its signal, not one per server (Node warns
 * past ten on one signal).
 */
const interruptible = new WeakMap<StopSignal, Set<ServerConnection>>();

function watchSignal(signal: StopSignal, connection: ServerConnection): void {
  let connections = interruptible.get(signal);
  if (!connections) {
    const all = new Set<ServerConnection>();
    interruptible.set(signal, all);
    signal.addEventListener('abort', () => {
      for (const c of all) c.interrupt(signal);
    }, { once: true });
    connections = all;
  }
  connections.add(connection);
}

/**
 * One running MCP server, spoken to through the official SDK (loaded here, on first use, so a run
 * without MCP tools never pays for it). Started on the first call of a run; a server that died is
 * started again by the next call; `kill` ends a hanging one at once.
 */
export class ServerConnection {
  private client?: Promise<Client>;
  /** The client once it has connected, until the server stops: a call that finds it skips the start. */
  private live?: Client;
  private transport?: Transport & { pid?: number | null };
  private stderrTail = '';
  private closedReason?: string;
  /** Calls in flight per outer signal (a run's Ctrl-C), each signal watched by one listener (see watchSignal). */
  private readonly inFlight = new Map<StopSignal, number>();
  private readonly watched = new WeakSet<StopSignal>();
  /**
   * The last close, kept until the next start: a close with nothing left to close (the interrupted
   * call's own kill, the end of the run) waits for it and meets its error.
   */
  private closing?: Promise<void>;

  constructor(readonly spec: McpServerSpec, private readonly env: NodeJS.ProcessEnv, private readonly config: Record<string, unknown>) {}

  /** The connected client, starting the server if it is not running. */
  connect(timeoutMs: number, signal?: StopSignal): Promise<Client> {
    if (this.client) return this.client;
    const starting: Promise<Client> = this.start(timeoutMs, signal).then(
      (client) => {
        // A close while it started leaves it to that close, not to the next call.
        if (this.client === starting) this.live = client;
        return client;
      },
      (err: unknown) => {
        if (this.client === starting) this.client = undefined;
        throw new Error(this.describe(`MCP server '${this.spec.name}' could not start: ${withCauses(err)}`), { cause: err });
      },
    );
    this.client = starting;
    return starting;
  }

  /** Whether the server is up and connected, so that a call needs no start. */
  get running(): boolean {
    return this.live !== undefined;
  }

  async list(timeoutMs: number, signal?: StopSignal): Promise<ListedTool[]> {
    const client = await this.connect(timeoutMs, signal);
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    // Bounded: a server that pages forever cannot hold the run.
    for (let page = 0; page < 100; page++) {
      const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs, signal: abortSignalOf(signal) });
      for (const t of res.tools) tools.push({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> });
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  /** A call that starts the server if needed; `signal` and `timeoutMs` bound the start and the call. */
  async call(name: string, args: Record<string, unknown>, timeoutMs: number, signal?: StopSignal): Promise<CallAnswer> {
    return this.request(await this.connect(timeoutMs, signal), name, args, { timeout: timeoutMs, signal: abortSignalOf(signal) });
  }

  /**
   * A call to a server that is running: the time limit is the SDK's own request timeout (no second
   * timer), and the outer signal is not handed to the SDK, which would add a listener to it per call
   * and never remove it; one listener per signal stops the server instead, which fails the calls in
   * flight (a server interrupted mid-call is stopped either way).
   */
  callRunning(name: string, args: Record<string, unknown>, timeoutMs: number, signal?: StopSignal): Promise<CallAnswer> {
    const client = this.live;
    if (!client) return this.call(name, args, timeoutMs, signal);
    return signal ? this.requestWatched(client, name, args, timeoutMs, signal) : this.request(client, name, args, { timeout: timeoutMs });
  }

  private async requestWatched(client: Client, name: string, args: Record<string, unknown>, timeoutMs: number, signal: StopSignal): Promise<CallAnswer> {
    if (signal.aborted) abortSignalOf(signal).throwIfAborted();
    this.watch(signal);
    this.inFlight.set(signal, (this.inFlight.get(signal) ?? 0) + 1);
    try {
      return await this.request(client, name, args, { timeout: timeoutMs });
    } finally {
      const left = this.inFlight.get(signal)! - 1;
      if (left) this.inFlight.set(signal, left);
      else this.inFlight.delete(signal);
    }
  }

  private watch(signal: StopSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    watchSignal(signal, this);
  }

  /** `signal` was aborted: a server with a call in flight under it is stopped, which fails the call. */
  interrupt(signal: StopSignal): void {
    // Its failure is not lost: the call in flight fails with the server gone and, seeing the signal
    // aborted, kills it again, which returns this same close (see `closing`).
    if (this.inFlight.get(signal)) this.kill('interrupted').catch(() => undefined);
  }

  private async request(client: Client, name: string, args: Record<string, unknown>, options: { timeout: number; signal?: AbortSignal }): Promise<CallAnswer> {
    try {
      const res = await client.callTool({ name, arguments: args }, undefined, options);
      return { isError: res.isError === true, text: contentText(res.content as Content[] | undefined), structured: res.structuredContent };
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
  close(): Promise<void> {
    const client = this.client;
    const pid = this.transport?.pid;
    this.client = undefined;
    this.live = undefined;
    this.transport = undefined;
    if (!client) return this.closing ?? Promise.resolve();
    this.closing = closeClient(client, pid);
    return this.closing;
  }

  private async start(timeoutMs: number, signal?: StopSignal): Promise<Client> {
    this.closedReason = undefined;
    this.closing = undefined;
    this.stderrTail = '';
    const [{ Client }, transport] = await Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), this.openTransport()]);
    const client = new Client({ name: 'aiw', version: '1' });
    this.transport = transport;
    // A server that exits between calls is started again by the next one.
    client.onclose = () => {
      if (this.transport === transport) {
        this.client = undefined;
        this.live = undefined;
        this.transport = undefined;
      }
    };
    await client.connect(transport, { timeout: timeoutMs, signal: abortSignalOf(signal) });
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
