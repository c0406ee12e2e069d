import { AiwError } from '../errors/errors.js';
import { renderString, renderValue, singleExpression, type Scope, type TemplateOrigin } from '../template/render.js';
import { parseDuration } from '../source/duration.js';
import { type CommandTool, type HttpTool, type ToolDef, type ToolResult, type ToolRunContext } from '../model/tool.js';
import { bindParams } from './params.js';
import { renderUrl } from './http-url.js';
import { renderPieces } from './render-pieces.js';
import { quoteStateAt, shellWord } from './shell-quote.js';
import { redactAndTruncate } from '../secrets/redact.js';
import { runHttp } from './run-http.js';
import { runProcess } from './run-process.js';
import { tookPath } from '../model/code-paths.js';

export const DEFAULT_TOOL_TIMEOUT_MS = 120_000;

/** A tool with its arguments checked against its params; ready to be called any number of times. */
export interface PreparedCall {
  tool: ToolDef;
  params: Record<string, unknown>;
}

export function prepareCall(tool: ToolDef, args: Record<string, unknown>): PreparedCall {
  // A server that could not list its tools gets the arguments as given: the call reports the failure.
  if (tool.kind === 'mcp' && tool.unlisted) return { tool, params: { ...args } };
  return { tool, params: bindParams(tool.name, tool.params, args) };
}

/** One attempt: render the tool's templates with its params, run it, parse the output. */
export async function executeTool(call: PreparedCall, ctx: ToolRunContext): Promise<ToolResult> {
  const { tool, params } = call;
  tookPath(`tool:${tool.kind}`);
  if (tool.kind === 'builtin') return tool.run(params, ctx);
  if (tool.kind === 'mcp') return tool.run(dropUnset(params), ctx);
  const timeoutMs = ctx.timeoutMs ?? parseDuration(tool.timeout, `tool '${tool.name}' timeout`, DEFAULT_TOOL_TIMEOUT_MS);
  const scope: Scope = { ...params, args: params, env: ctx.env, config: ctx.config };
  const origin = { what: `tool '${tool.name}'`, location: tool.location };
  const env = tool.env ? { ...ctx.env, ...stringMap(renderValue(tool.env, scope, origin)) } : ctx.env;
  const result =
    tool.kind === 'http'
      ? await runHttp(buildRequest(tool, scope, env), { timeoutMs, signal: ctx.signal })
      : await runCommand(buildArgv(tool, scope), { env, timeoutMs, signal: ctx.signal, cwd: tool.cwd }, ctx);
  return result.ok ? parseOutput(tool, result) : result;
}

/** argv items are rendered one by one and never joined into a shell line (unless `shell: true`). */
export function buildArgv(tool: CommandTool, scope: Scope): string[] {
  const origin = { what: `tool '${tool.name}' command`, location: tool.location };
  if (typeof tool.command === 'string') {
    if (!tool.shell) throw new AiwError('VALIDATION', `tool '${tool.name}': a string command needs shell: true; use a list for argv`, { location: tool.location });
    return ['/bin/sh', '-c', renderShellLine(tool.command, scope, origin)];
  }
  // The items of a list joined into one shell line; literal items keep their shell meaning (`|`, `&&`).
  if (tool.shell) return ['/bin/sh', '-c', renderShellLine(tool.command.map(String).join(' '), scope, origin)];
  const argv: string[] = [];
  for (const item of tool.command) {
    if (typeof item !== 'string') {
      argv.push(String(item));
      continue;
    }
    const value = renderString(item, scope, origin);
    // A whole-item expression may expand to several argv items, or to none (an unset optional param).
    if (singleExpression(item) !== undefined) {
      if (Array.isArray(value)) {
        argv.push(...value.map(String));
        continue;
      }
      if (value === null || value === '' || value === false) continue;
    }
    argv.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return argv;
}

/**
 * A `shell: true` command line: every template value is quoted for the place it lands in, so a
 * param such as `x; rm -rf ~` or `$(curl evil)` reaches the command as text. A template with tags
 * (`{% %}`) cannot be quoted piece by piece and is refused.
 */
function renderShellLine(template: string, scope: Scope, origin: TemplateOrigin): string {
  if (template.includes('{%')) throw new AiwError('VALIDATION', `${origin.what}: a shell: true command cannot use {% %} tags (its values could not be quoted); compute the value in a param or a step`, { location: origin.location });
  return renderPieces(template, scope, origin, (value, before) => shellWord(value, quoteStateAt(before)));
}

function buildRequest(tool: HttpTool, scope: Scope, env: NodeJS.ProcessEnv) {
  const origin = { what: `tool '${tool.name}' http`, location: tool.location };
  const { url: urlTemplate, ...rest } = tool.http;
  const spec = renderValue(rest, scope, origin) as Omit<HttpTool['http'], 'url'>;
  const url = renderUrl(String(urlTemplate), scope, { ...origin, what: `${origin.what} url` });
  for (const [k, v] of Object.entries(spec.query ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, typeof item === 'string' ? item : JSON.stringify(item));
  }
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8', ...(spec.headers ?? {}) };
  const token = spec.bearer_token_env ? env[spec.bearer_token_env] : undefined;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (spec.body !== undefined && spec.body !== null) {
    body = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    if (typeof spec.body !== 'string') headers['content-type'] ??= 'application/json';
  }
  return { method: (spec.method ?? 'GET').toUpperCase(), url: url.toString(), headers, body };
}

function parseOutput(tool: ToolDef, result: ToolResult): ToolResult {
  const text = result.stdout;
  switch (tool.parse ?? 'text') {
    case 'json':
      try {
        return { ...result, output: text.trim() === '' ? null : (JSON.parse(text) as unknown) };
      } catch (err) {
        const error = `output of '${tool.name}' is not valid JSON (${(err as Error).message}): ${redactAndTruncate(text, 300)}`;
        return { ...result, ok: false, output: undefined, error };
      }
    case 'lines':
      return { ...result, output: lines(text) };
    default:
      return { ...result, output: text.replace(/\n$/, '') };
  }
}

/**
 * Bounded like the output itself: 16 MB of one-character lines would otherwise be 8 million
 * strings, and every copy of them (into compute code, into the JSON report) costs hundreds of MB.
 */
export const MAX_OUTPUT_LINES = 100_000;

function lines(text: string): string[] {
  const out: string[] = [];
  let dropped = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trimEnd();
    start = end + 1;
    if (line === '') continue;
    if (out.length < MAX_OUTPUT_LINES) out.push(line);
    else dropped++;
  }
  if (dropped) out.push(`[aiw: output truncated: ${dropped} more lines were dropped]`);
  return out;
}

/** Optional params bind as null so templates can test them; an MCP server expects them absent. */
function dropUnset(params: Record<string, unknown>): Record<string, unknown> {
  // Most calls set every param they bind: those pass as they are, without a copy (nothing writes to them).
  let unset = false;
  for (const k in params) if (params[k] === null || params[k] === undefined) unset = true;
  if (!unset) return params;
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined));
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value as Record<string, unknown>) ?? {})) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

function runCommand(argv: string[], options: Parameters<typeof runProcess>[1], ctx: ToolRunContext): ReturnType<typeof runProcess> {
  const onOutput = ctx.onOutput;
  if (!onOutput) return runProcess(argv, options);
  onOutput('command', argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' '));
  return runProcess(argv, { ...options, onOutput });
}
