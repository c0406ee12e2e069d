import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AiwError } from '../errors/errors.js';
import type { ServeOptions } from './call-tool.js';
import { createAiwServer } from './server.js';

export interface Stdio {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

/**
 * Serve over stdio until the client closes stdin or `stop` fires. stdout is the protocol from here
 * on: everything else aiw says goes to stderr (the session's io.stderr).
 */
export async function serveStdio(opts: ServeOptions, version: string, stdio: Stdio, stop: AbortSignal): Promise<void> {
  const server = createAiwServer(opts, version);
  const transport = new StdioServerTransport(stdio.stdin as NodeJS.ReadStream, stdio.stdout as NodeJS.WriteStream);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
    // stdin's end is how a client says goodbye; the SDK transport does not watch it.
    stdio.stdin.once('end', () => resolve());
    stop.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  await closed;
  if (!stop.aborted) await server.idle();
  await server.close();
}

export interface HttpServeOptions {
  host: string;
  port: number;
  /** A bearer token clients must send; required when `host` is not loopback. */
  token?: string;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Streamable HTTP on `/mcp`, one MCP session (and Server) per client, each with its own session id. */
export async function serveHttp(opts: ServeOptions, version: string, http: HttpServeOptions): Promise<HttpServer> {
  const loopback = LOOPBACK.has(http.host);
  if (!loopback && !http.token) {
    throw new AiwError('USAGE', `refusing to serve MCP on ${http.host} without a bearer token: anyone who reaches it could run your skills`, {
      hint: 'set a token in an environment variable and pass --token-env NAME, or bind to 127.0.0.1',
    });
  }
  const expected = http.token ? digest(http.token) : undefined;
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.io.stderr.write(`aiw mcp: error answering ${req.method} ${req.url}: ${String(err)}\n`);
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') return reply(res, 404, 'not found: the MCP endpoint is /mcp');
    if (expected && !authorized(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer');
      return reply(res, 401, 'unauthorized: send Authorization: Bearer <token>');
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') return reply(res, 404, 'unknown MCP session; initialize again');
      if (req.method !== 'POST') return reply(res, 400, 'start a session with an initialize POST');
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, created),
        // A web page the user visits must not reach a loopback server through DNS rebinding.
        enableDnsRebindingProtection: loopback,
        allowedHosts: loopback ? [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`] : undefined,
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await createAiwServer(opts, version).connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new AiwError('USAGE', `cannot listen on ${http.host}:${http.port}: ${err.message}`, { cause: err })));
    server.listen(http.port, http.host, () => resolve());
  });
  const port = () => (server.address() as AddressInfo).port;
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  return {
    url: `http://${host}:${port()}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison of the token (hashes of equal length, so no length leak either). */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!.trim()), expected);
}
