import type { SourceLocation } from '../errors/errors.js';
import type { StopSignal } from './stop-signal.js';

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  type?: ParamType;
  required?: boolean;
  default?: unknown;
  enum?: unknown[];
  description?: string;
  secret?: boolean;
  /** Other names a call may use for this param (the Python project's names, or aiw's older ones). */
  aliases?: string[];
}

export interface HttpSpec {
  method?: string;
  url: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  bearer_token_env?: string;
}

export type OutputStream = 'command' | 'stdout' | 'stderr';

/** What a tool needs at run time besides its arguments. */
export interface ToolRunContext {
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  signal?: StopSignal;
  /** Time limit override (ms) from the step; the tool's own limit otherwise. */
  timeoutMs?: number;
  /** `--verbose`: the command line about to run, then the tool's output as it arrives. */
  onOutput?: (stream: OutputStream, text: string) => void;
  /** For built-ins that run other tools (e.g. the quick-fix tools run site commands). */
  runCommand?: (argv: string[], options: { env?: Record<string, string>; timeoutMs?: number }) => Promise<ToolResult>;
}

interface ToolBase {
  name: string;
  description?: string;
  params: Record<string, ParamSpec>;
  parse?: 'text' | 'json' | 'lines';
  timeout?: number | string;
  auto_heal?: string;
  failed_when?: string[];
  /** The tool's author allows learned remedies to call it (see heal/remedy-gate.ts). */
  remedy_safe?: boolean;
  location: SourceLocation;
}

export interface CommandTool extends ToolBase {
  kind: 'command';
  command: Array<string | number | boolean> | string;
  shell?: boolean;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
}

export interface HttpTool extends ToolBase {
  kind: 'http';
  http: HttpSpec;
  env?: Record<string, string | number | boolean>;
}

export interface BuiltinTool extends ToolBase {
  kind: 'builtin';
  run(args: Record<string, unknown>, ctx: ToolRunContext): Promise<ToolResult>;
}

/** An MCP server declared under `mcp_servers:` in a tool file (see tools/mcp/). */
export interface McpServerSpec {
  name: string;
  description?: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string | number | boolean>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  bearer_token_env?: string;
  prefix?: string;
  timeout?: number | string;
  auto_heal?: string;
  failed_when?: string[];
  location: SourceLocation;
}

/**
 * A tool a declared MCP server lists, named `<server>.<tool>` (or with the server's prefix). Its
 * params come from the tool's input schema; `unlisted` marks a tool of a server whose list could
 * not be read, so its arguments go to the server unchecked and the call itself reports the failure.
 */
export interface McpTool extends ToolBase {
  kind: 'mcp';
  server: string;
  remote: string;
  inputSchema?: Record<string, unknown>;
  unlisted?: boolean;
  run(args: Record<string, unknown>, ctx: ToolRunContext): Promise<ToolResult>;
}

export type ToolDef = CommandTool | HttpTool | BuiltinTool | McpTool;

/**
 * One shape for success and failure: heal logic, the attempt log and reporters read this, never
 * an exception. `error` is the text a person needs: exit code or HTTP status, then stderr or body.
 */
export interface ToolResult {
  ok: boolean;
  output: unknown;
  error?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut: boolean;
  httpStatus?: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** What ran, already rendered (argv or METHOD url); secrets are masked before it is shown. */
  command?: string[];
  truncated?: boolean;
  /** Set when a failure was detected by `failed_when` on a zero exit. */
  failedWhen?: string;
  interrupted?: boolean;
}

export function failureResult(error: string, durationMs = 0, extra: Partial<ToolResult> = {}): ToolResult {
  return { ok: false, output: undefined, error, timedOut: false, stdout: '', stderr: '', durationMs, ...extra };
}
