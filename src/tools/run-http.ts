import type { ToolResult } from '../model/tool.js';
import { redactAndTruncate } from '../secrets/redact.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './run-process.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  maxOutputBytes?: number;
}

/**
 * An HTTP tool call. Success is a 2xx status; a failure's error text holds the status and the body,
 * and a connection failure carries the underlying system error (ECONNREFUSED, ENOTFOUND, …) so the
 * classifier sees the same words as for a command-line tool.
 */
export async function runHttp(req: HttpRequest, options: HttpOptions = {}): Promise<ToolResult> {
  const started = performance.now();
  const signals: AbortSignal[] = [];
  if (options.timeoutMs) signals.push(AbortSignal.timeout(options.timeoutMs));
  if (options.signal) signals.push(options.signal);
  const command = [req.method, req.url];
  const elapsed = () => Math.round(performance.now() - started);
  let response: Response;
  try {
    response = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: signals.length ? AbortSignal.any(signals) : undefined,
      redirect: 'follow',
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    const interrupted = !timedOut && options.signal?.aborted === true;
    const error = timedOut ? `timed out after ${options.timeoutMs} ms` : interrupted ? 'interrupted' : describeFetchError(err);
    return {
      ok: false, output: undefined, error: `${req.method} ${req.url}: ${error}`, timedOut, interrupted,
      stdout: '', stderr: error, durationMs: elapsed(), command,
    };
  }
  const { text, truncated } = await readCapped(response, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const ok = response.status >= 200 && response.status < 300;
  return {
    ok, output: text, httpStatus: response.status, timedOut: false, stdout: text, stderr: '', durationMs: elapsed(),
    command, truncated,
    error: ok ? undefined : `HTTP ${response.status} ${response.statusText}: ${redactAndTruncate(text.trim(), 4000)}`,
  };
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
