import type { SourceLocation } from '../errors/errors.js';

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  type?: ParamType;
  required?: boolean;
  default?: unknown;
  enum?: unknown[];
  description?: string;
  secret?: boolean;
}

export interface HttpSpec {
  method?: string;
  url: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  bearer_token_env?: string;
}

/** What a tool needs at run time besides its arguments. */
export interface ToolRunContext {
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Time limit override (ms) from the step; the tool's own limit otherwise. */
  timeoutMs?: number;
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

export type ToolDef = CommandTool | HttpTool | BuiltinTool;

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
