import type { EngineEvent } from '../model/events.js';
import type { RunResult, StepError } from '../model/run.js';
import { formatStepError } from '../model/step-error.js';
import { displayPath } from './display-path.js';

/** A consumer of engine events. Reporters only read events; they never change a run. */
export interface Reporter {
  onEvent(event: EngineEvent): void;
  /** Called once with the top-level result; reporters print outputs and summaries here. */
  finish(result: RunResult): void | Promise<void>;
}

export interface Writer {
  write(text: string): void;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** Counts for the summary line of a run, including the steps of `then` blocks. */
export function countSteps(result: RunResult): { succeeded: number; failed: number; skipped: number; healed: number } {
  const counts = { succeeded: 0, failed: 0, skipped: 0, healed: 0 };
  const walk = (steps: RunResult['steps']) => {
    for (const s of steps) {
      if (s.type === 'then' && s.steps) walk(s.steps);
      if (s.status === 'success') counts.succeeded++;
      else if (s.status === 'healed') {
        counts.healed++;
        counts.succeeded++;
      }
      else if (s.status === 'failed') counts.failed++;
      else counts.skipped++;
    }
  };
  walk(result.steps);
  return counts;
}

/** A value for a person: strings as they are, everything else as indented JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '(undefined)';
  return JSON.stringify(value, null, 2);
}

/** A step's error as every text output shows it: `file:line:col: message` (paths relative to cwd), then the hint. */
export function stepErrorText(e: StepError, cwd?: string): string {
  return formatStepError(e, (f) => (cwd ? displayPath(f, cwd) : f));
}

/**
 * The closing line of a failed run. When a step failed, its error was printed under it already, so
 * the run only names the step; an error of the run itself (an output, a return) is printed in full.
 */
export function runErrorText(e: StepError, cwd?: string): string {
  return e.step ? `step '${e.step}' failed` : stepErrorText(e, cwd);
}

/**
 * Runs of the same line as one line with a count: kubectl prints "The connection to the server …
 * was refused" once per API group it tries, and five equal lines say no more than one.
 */
export function collapseRepeats(text: string): string {
  const out: string[] = [];
  let count = 0;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    count++;
    if (lines[i + 1] === line && line.trim() !== '') return;
    out.push(count > 1 ? `${line} (×${count})` : line);
    count = 0;
  });
  return out.join('\n');
}
