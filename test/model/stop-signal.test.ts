import { describe, expect, it } from 'vitest';
import { abortSignalOf, RunStop } from '../../src/model/stop-signal.js';

describe("a run's stop signal", () => {
  it('calls each listener once, in order, when the run is stopped, and not after it is removed', () => {
    const stop = new RunStop();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    stop.signal.addEventListener('abort', () => calls.push('a'), { once: true });
    stop.signal.addEventListener('abort', removed);
    stop.signal.addEventListener('abort', () => calls.push('b'));
    stop.signal.removeEventListener('abort', removed);
    expect(stop.signal.aborted).toBe(false);
    stop.abort();
    stop.abort();
    expect(stop.signal.aborted).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });

  it('never calls a listener added after it fired', () => {
    const stop = new RunStop();
    stop.abort();
    let called = false;
    stop.signal.addEventListener('abort', () => (called = true));
    expect(called).toBe(false);
  });

  it('still calls the other listeners when one throws, and reports the error as uncaught', async () => {
    const stop = new RunStop();
    const calls: string[] = [];
    const uncaught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    stop.signal.addEventListener('abort', () => {
      throw new Error('listener broke');
    });
    stop.signal.addEventListener('abort', () => calls.push('after'));
    stop.abort();
    expect(calls).toEqual(['after']);
    expect(await uncaught).toMatchObject({ message: 'listener broke' });
  });

  it('gives a real AbortSignal for Node and SDK APIs that fires with it, also when asked for after the stop', () => {
    const stop = new RunStop();
    const real = abortSignalOf(stop.signal);
    expect(real).toBeInstanceOf(AbortSignal);
    expect(abortSignalOf(stop.signal)).toBe(real);
    expect(real.aborted).toBe(false);
    stop.abort();
    expect(real.aborted).toBe(true);
    const late = new RunStop();
    late.abort();
    expect(abortSignalOf(late.signal).aborted).toBe(true);
  });

  it('passes a real AbortSignal through as it is', () => {
    const controller = new AbortController();
    expect(abortSignalOf(controller.signal)).toBe(controller.signal);
    expect(abortSignalOf(undefined)).toBeUndefined();
  });
});
