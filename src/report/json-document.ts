import type { RunResult, StepResult } from '../model/run.js';
import { redact } from '../secrets/redact.js';

/**
 * The `aiw run --json` document: exactly the engine's result, with keys in a stable order and
 * secrets masked. Machines parse this; keep it backwards compatible.
 *
 * The document used to be masked by a `redactValue` per step and again for the run, so a step's
 * strings were masked two times (three in a then block, one more per level) and copied as often:
 * a fifth of a 1,000-step `--json` run. It is now copied once, and each string is masked as many
 * times as before but stops at the first pass that changes nothing (from there every pass gives the
 * same text): the same bytes, for about one `redact` per string.
 */
export function runDocument(result: RunResult): Record<string, unknown> {
  const m = (v: unknown) => maskedCopy(v, 1);
  return {
    skill: m(result.skill),
    status: m(result.status),
    inputs: m(result.inputs),
    steps: result.steps.map((s) => maskedStep(s, 2)),
    outputs: m(result.outputs),
    returned: m(result.returned),
    duration_ms: result.duration_ms,
    run_id: m(result.run_id),
    error: m(result.error),
    warnings: m(result.warnings),
  };
}

export function stepDocument(step: StepResult): Record<string, unknown> {
  return maskedStep(step, 1);
}

/**
 * A step's document, its own strings masked `passes` times and its inner steps' one time more. An
 * object literal of copies is what `redactValue` of the literal gave: the same keys in the same order.
 */
function maskedStep(step: StepResult, passes: number): Record<string, unknown> {
  const m = (v: unknown) => maskedCopy(v, passes);
  return {
    name: m(step.name),
    type: m(step.type),
    status: m(step.status),
    tool: m(step.tool),
    attempts: step.attempts,
    output: m(step.output),
    error: m(step.error),
    exit_code: step.exit_code,
    http_status: step.http_status,
    timed_out: step.timed_out,
    tolerated: step.tolerated,
    duration_ms: step.duration_ms,
    heals: m(step.heals),
    classification: m(step.classification ?? undefined),
    known_issues: m(step.known_issues),
    // Depth is bounded by the engine's nesting limit.
    steps: step.steps?.map((s) => maskedStep(s, passes + 1)),
  };
}

/** `redact` applied `passes` times; a pass that changes nothing ends it (every later one would too). */
function maskedString(text: string, passes: number): string {
  let out = text;
  for (let i = 0; i < passes; i++) {
    const next = redact(out);
    if (next === out) break;
    out = next;
  }
  return out;
}

/** What `redactValue` applied `passes` times gives: plain copies of arrays and objects, strings masked. */
function maskedCopy(value: unknown, passes: number): unknown {
  if (typeof value === 'string') return maskedString(value, passes);
  if (Array.isArray(value)) return value.map((v) => maskedCopy(v, passes));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) out[k] = maskedCopy(record[k], passes);
    return out;
  }
  return value;
}
