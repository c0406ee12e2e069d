import type { ToolResult } from '../model/tool.js';
import { redactAndTruncate } from '../secrets/redact.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './run-process.js';
import { monotonicMs } from '../model/clock.js';
import { abortSignalOf, type StopSignal } from '../model/stop-signal.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpOptions {
  timeoutMs?: number;
  signal?: StopSignal;
  maxOutputBytes?: number;
}

/**
 * An HTTP tool call. Success is a 2xx status; a failure's error text holds the status and the body,
 * and a connection failure carries the underlying system error (ECONNREFUSED, ENOTFOUND, …) so the
 * classifier sees the same words as for a command-line tool.
 */
export async function runHttp(req: HttpRequest, options: HttpOptions = {}): Promise<ToolResult> {
  const started = monotonicMs();
  const signals: AbortSignal[] = [];
  const timeout = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  if (timeout) signals.push(timeout);
  if (options.signal) signals.push(abortSignalOf(options.signal));
  const signal = signals.length ? AbortSignal.any(signals) : undefined;
  const command = [req.method, req.url];
  const elapsed = () => Math.round(monotonicMs() - started);
  // One shape for every way the exchange can break, before the headers or while the body arrives:
  // the time limit and Ctrl-C are recognised by their signals, whatever error the reader threw.
  const broken = (err: unknown): ToolResult => {
    const timedOut = timeout?.aborted === true && options.signal?.aborted !== true;
    const interrupted = !timedOut && options.signal?.aborted === true;
    const error = timedOut ? `timed out after ${options.timeoutMs} ms` : interrupted ? 'interrupted' : describeFetchError(err);
    return {
      ok: false, output: undefined, error: `${req.method} ${req.url}: ${error}`, timedOut, interrupted,
      stdout: '', stderr: error, durationMs: elapsed(), command,
    };
  };
  let response: Response;
  let text: string;
  let truncated: boolean;
  try {
    response = await fetchFollowing(req, signal);
    ({ text, truncated } = await readCapped(response, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES));
  } catch (err) {
    return broken(err);
  }
  const ok = response.status >= 200 && response.status < 300;
  return {
    ok, output: text, httpStatus: response.status, timedOut: false, stdout: text, stderr: '', durationMs: elapsed(),
    command, truncated,
    error: ok ? undefined : `HTTP ${response.status} ${response.statusText}: ${redactAndTruncate(text.trim(), 4000)}`,
  };
}

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * fetch with redirects followed by hand: fetch's own `follow` drops only Authorization, Cookie and
 * Proxy-Authorization when a redirect leaves the origin, and forwards every other header a tool
 * sets (`X-Api-Key`, `PRIVATE-TOKEN`, …) to whatever host the server names. Here a redirect to
 * another origin drops every header the tool configured, for that hop and every later one; only
 * the body's content type stays with a body that is sent again (307/308).
 */
async function fetchFollowing(req: HttpRequest, signal: AbortSignal | undefined): Promise<Response> {
  let url = new URL(req.url);
  let { method, body } = req;
  let headers = req.headers;
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirect to a ${next.protocol} URL refused`);
    if (response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST') {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutContentHeaders(headers);
    }
    if (next.origin !== url.origin) {
      const contentType = body === undefined ? undefined : headerValue(headers, 'content-type');
      headers = contentType === undefined ? {} : { 'content-type': contentType };
    }
    url = next;
  }
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function withoutContentHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !k.toLowerCase().startsWith('content-')));
}

function describeFetchError(err: unknown): string {
  // undici wraps the socket error: "fetch failed" with cause { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED …' }
  const e = err as Error & { cause?: { code?: string; message?: string; errors?: Array<{ message?: string }> } };
  const cause = e.cause;
  if (cause?.errors?.length) return cause.errors.map((c) => c.message).join('; ');
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return e.message;
}

async function readCapped(response: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let dropped = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size >= max) {
      dropped += value.length;
      continue;
    }
    const part = value.length > max - size ? value.subarray(0, max - size) : value;
    chunks.push(part);
    size += part.length;
    dropped += value.length - part.length;
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  return dropped ? { text: `${text}\n[aiw: body truncated: ${dropped} more bytes were dropped]`, truncated: true } : { text, truncated: false };
}
