import type { EngineEvent } from '../model/events.js';
import type { RunResult, StepResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';
import { formatDuration } from './reporter.js';
import { monotonicMs } from '../model/clock.js';

/** Lines kept per step: a retry loop is bounded, but a report must stay readable even if it is not. */
const MAX_LINES_PER_STEP = 200;

interface Open {
  started: number;
  lines: string[];
}

/**
 * Remembers, for every finished step, the file it came from and what happened while it ran (failed
 * attempts, heals, retries), so the reports written at the end (JUnit, the GitHub summary) can show
 * that next to the step's result. Steps run one at a time, so an event belongs to the innermost
 * step that has started and not ended.
 */
export class StepLog {
  private readonly open: Open[] = [];
  private readonly files = new Map<StepResult, string>();
  private readonly details = new Map<StepResult, string[]>();

  onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case 'step-start':
        this.open.push({ started: monotonicMs(), lines: [] });
        break;
      case 'step-end': {
        const open = this.open.pop();
        this.files.set(e.result, e.file);
        if (open?.lines.length) this.details.set(e.result, open.lines);
        break;
      }
      case 'attempt-failed':
        this.note(`attempt ${e.attempt}/${e.maxAttempts} of ${e.tool} failed${e.failureClass ? ` [${e.failureClass}: matched '${e.pattern ?? '?'}']` : ''}: ${firstLine(e.error)}`);
        break;
      case 'heal':
        this.note(`heal ${e.heal.class} → ${e.heal.fix}${e.heal.source ? ` (${e.heal.source})` : ''}: ${e.heal.fix_success ? 'fixed' : `failed${e.heal.error ? `: ${firstLine(e.heal.error)}` : ''}`}`);
        break;
      case 'retry':
        this.note(`retry ${e.tool}: attempt ${e.attempt}/${e.maxAttempts} after ${formatDuration(e.delayMs)}`);
        break;
      case 'known-issues':
        this.note(`${e.matches.length} known issue${e.matches.length === 1 ? '' : 's'} matched`);
        break;
      case 'run-start':
      case 'warning':
      case 'tool-output':
      case 'run-end':
        break;
    }
  }

  /** The skill file a step was defined in (nested skills live in other files). */
  fileOf(step: StepResult): string | undefined {
    return this.files.get(step);
  }

  /** What happened while the step ran, one line each with the time since the step started. */
  detailsOf(step: StepResult): string[] {
    return this.details.get(step) ?? [];
  }

  private note(text: string): void {
    const top = this.open.at(-1);
    if (!top || top.lines.length >= MAX_LINES_PER_STEP) return;
    const at = ((monotonicMs() - top.started) / 1000).toFixed(2);
    top.lines.push(redact(`[+${at}s] ${text}`));
    if (top.lines.length === MAX_LINES_PER_STEP) top.lines.push(`(more events not shown; the limit is ${MAX_LINES_PER_STEP})`);
  }
}

/** A step as a report lists it: `path` joins the names of the enclosing then blocks and skill steps. */
export interface FlatStep {
  path: string;
  step: StepResult;
  file: string;
}

/**
 * The steps a report lists: every step without inner steps, plus a then block or skill step whose
 * own failure no inner step explains (a nested skill that failed to load, an output that did not
 * compute). Containers are otherwise left out so that one failure is counted once.
 */
export function flattenSteps(result: RunResult, log: StepLog): FlatStep[] {
  const out: FlatStep[] = [];
  // Depth is bounded by the engine's nesting limit and by the skill files themselves.
  const walk = (steps: StepResult[], prefix: string, parentFile: string) => {
    for (const step of steps) {
      const path = `${prefix}${step.name}`;
      const file = log.fileOf(step) ?? parentFile;
      const inner = step.steps ?? [];
      if (!inner.length || (step.status === 'failed' && !inner.some((s) => s.status === 'failed'))) out.push({ path, step, file });
      if (inner.length) walk(inner, `${path}/`, file);
    }
  };
  walk(result.steps, '', result.file);
  return out;
}

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim();
}

/** Keep at most `max` characters, saying how much was cut so a reader knows the text is partial. */
export function truncate(text: string, max: number): string {
  // Masked before it is cut: a cut through a token leaves a piece no shape recognises.
  text = redact(text);
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n… (${text.length - max} more characters cut)`;
}
