import { parseDuration } from '../source/duration.js';
import type { RetrySpec } from '../model/skill.js';
import type { StopSignal } from '../model/stop-signal.js';

/** Time, waiting and chance, injectable so retry timing is tested with a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: StopSignal): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface RetryPolicy {
  maxAttempts: number;
  delayMs: number;
  backoff: number;
  maxDelayMs: number;
  jitter: boolean;
  on?: string[];
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 2, delayMs: 1000, backoff: 2, maxDelayMs: 30_000, jitter: true };

/** The step's retry block over the configured default, field by field. */
export function resolveRetry(configured: RetrySpec | undefined, step: RetrySpec | undefined): RetryPolicy {
  const merged = { ...(configured ?? {}), ...(step ?? {}) };
  return {
    maxAttempts: merged.max_attempts ?? DEFAULT_RETRY.maxAttempts,
    delayMs: parseDuration(merged.delay, 'retry.delay', DEFAULT_RETRY.delayMs)!,
    backoff: merged.backoff ?? DEFAULT_RETRY.backoff,
    maxDelayMs: parseDuration(merged.max_delay, 'retry.max_delay', DEFAULT_RETRY.maxDelayMs)!,
    jitter: merged.jitter ?? DEFAULT_RETRY.jitter,
    on: merged.on,
  };
}

/**
 * The wait before attempt n+1 (n = attempts made so far, from 1): min(max_delay, delay × backoff^(n-1)),
 * and with jitter a uniformly random wait inside that cap ("full jitter"), so parallel CI jobs that
 * failed together do not retry together.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.delayMs * policy.backoff ** Math.max(0, attempt - 1));
  return Math.round(policy.jitter ? random() * cap : cap);
}
