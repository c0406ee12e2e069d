import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  /** Defaults to 200 ms. */
  intervalMs?: number;
  /** Said in the timeout error: "timed out after 15000 ms waiting for <what>". */
  what: string;
}

/**
 * Calls `probe` until it returns a value other than undefined, or the time is up. A probe that
 * throws counts as "not yet" (a server still starting refuses connections); the last such error
 * is reported with the timeout so a test failure says why.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`, { cause: lastError });
    }
    await sleep(Math.min(options.intervalMs ?? 200, Math.max(0, deadline - Date.now())));
  }
}
