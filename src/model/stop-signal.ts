/**
 * What aiw's run path needs of a signal that stops a run (Ctrl-C, SIGTERM, an MCP client's cancel):
 * whether it fired, and a listener for when it does. Node's AbortSignal has this shape; the CLI
 * passes its own `RunStop` instead, because creating an AbortController and adding the first
 * listener to its signal load and compile Node's abort and EventTarget machinery, ~2 ms of a
 * 1-step run. A Node API that wants a real AbortSignal (fetch, the MCP SDK) gets one from
 * `abortSignalOf`, made when first asked for.
 */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A switch that stops a run, with the StopSignal its steps watch. */
export class RunStop {
  readonly signal = new RunStopSignal();

  abort(): void {
    this.signal.fire();
  }
}

export class RunStopSignal implements StopSignal {
  aborted = false;
  private readonly listeners = new Set<() => void>();
  private real: AbortController | undefined;

  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    // As EventTarget: a listener added after the signal fired is never called.
    if (!this.aborted) this.listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.delete(listener);
  }

  /** Fire once: every listener is called once, in the order added, and then forgotten. */
  fire(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // As EventTarget: a listener that throws does not keep the others from running.
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }

  /** A real AbortSignal that fires with this one (made on first use). */
  asAbortSignal(): AbortSignal {
    if (!this.real) {
      const real = new AbortController();
      this.real = real;
      if (this.aborted) real.abort();
      else this.listeners.add(() => real.abort());
    }
    return this.real.signal;
  }
}

/** A real AbortSignal for a Node or SDK API: a RunStop's made on first use, any other as it is. */
export function abortSignalOf(signal: StopSignal): AbortSignal;
export function abortSignalOf(signal: StopSignal | undefined): AbortSignal | undefined;
export function abortSignalOf(signal: StopSignal | undefined): AbortSignal | undefined {
  return signal instanceof RunStopSignal ? signal.asAbortSignal() : (signal as AbortSignal | undefined);
}
