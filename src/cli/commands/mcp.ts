import { AiwError, EXIT } from '../../errors/errors.js';
import type { GlobalOptions } from '../../session/session.js';
import type { Io } from '../io.js';
import { aiwVersion } from '../version.js';

export interface McpOptions extends GlobalOptions {
  http?: string;
  tokenEnv?: string;
  readOnly?: boolean;
}

export const DEFAULT_TOKEN_ENV = 'AIW_MCP_TOKEN';

/**
 * `aiw mcp`: serve this project to AI agents over MCP, on stdio (the default: the agent starts aiw)
 * or Streamable HTTP. Runs until the client goes away or Ctrl-C; the SDK loads only here.
 */
export async function mcpCommand(opts: McpOptions, io: Io, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const serveOptions = { globals: { root: opts.root, memoryDir: opts.memoryDir, debug: opts.debug }, io: { env: io.env, cwd: io.cwd, stderr: io.stderr }, readOnly: opts.readOnly === true };
  const stop = new AbortController();
  const off = io.onInterrupt?.(() => stop.abort());
  try {
    const { serveHttp, serveStdio } = await import('../../mcp/serve.js');
    if (opts.http === undefined) {
      const stdout = io.stdout.stream ?? process.stdout;
      await serveStdio(serveOptions, aiwVersion(), { stdin, stdout }, stop.signal);
      // The client closing stdin is the normal end; a signal is an interruption, as for every command.
      return stop.signal.aborted ? EXIT.interrupted : EXIT.ok;
    }
    const { host, port } = parseListen(opts.http);
    const tokenEnv = opts.tokenEnv ?? DEFAULT_TOKEN_ENV;
    const token = io.env[tokenEnv] || undefined;
    if (opts.tokenEnv && !token) throw new AiwError('USAGE', `--token-env ${opts.tokenEnv}: that environment variable is not set`);
    const server = await serveHttp(serveOptions, aiwVersion(), { host, port, token });
    io.stderr.write(`aiw mcp: serving ${server.url}${token ? ` (bearer token from $${tokenEnv})` : ''}${serveOptions.readOnly ? ', read-only' : ''}; Ctrl-C stops\n`);
    await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
    return EXIT.interrupted;
  } finally {
    off?.();
  }
}

/** `127.0.0.1:8080`, `[::1]:8080`, or a bare port (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AiwError('USAGE', `--http must be HOST:PORT (e.g. 127.0.0.1:8765), got '${text}'`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
