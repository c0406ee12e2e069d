import type { RunResult, StepResult } from '../model/run.js';
import { redactValue } from '../secrets/redact.js';

/**
 * The `aiw run --json` document: exactly the engine's result, with keys in a stable order and
 * secrets masked. Machines parse this; keep it backwards compatible.
 */
export function runDocument(result: RunResult): Record<string, unknown> {
  return redactValue({
    skill: result.skill,
    status: result.status,
    inputs: result.inputs,
    steps: result.steps.map(stepDocument),
    outputs: result.outputs,
    returned: result.returned,
    duration_ms: result.duration_ms,
    run_id: result.run_id,
    error: result.error,
    warnings: result.warnings,
  });
}

export function stepDocument(step: StepResult): Record<string, unknown> {
  return redactValue({
    name: step.name,
    type: step.type,
    status: step.status,
    tool: step.tool,
    attempts: step.attempts,
    output: step.output,
    error: step.error,
    exit_code: step.exit_code,
    http_status: step.http_status,
    timed_out: step.timed_out,
    tolerated: step.tolerated,
    duration_ms: step.duration_ms,
    heals: step.heals,
    classification: step.classification ?? undefined,
    known_issues: step.known_issues,
    steps: step.steps?.map(stepDocument),
  });
}
