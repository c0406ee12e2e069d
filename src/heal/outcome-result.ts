import type { SourceLocation } from '../errors/errors.js';
import type { StepResult } from '../model/run.js';
import type { CallOutcome } from './healer.js';

/**
 * A tool call's outcome as a step result: the one shape a tool step in `aiw run`, `aiw tool --json`
 * and every report share. `at` is where the call was written (the step), for the error's location.
 */
export function outcomeResult(name: string, tool: string, outcome: CallOutcome, at?: SourceLocation): StepResult {
  const { result } = outcome;
  const r: StepResult = { name, type: 'tool', tool, status: outcome.status, attempts: outcome.attempts, duration_ms: result.durationMs };
  if (result.ok) r.output = result.output;
  else r.error = { code: 'TOOL_FAILED', message: result.error ?? 'failed', ...(at ? { location: at } : {}) };
  if (result.exitCode !== undefined) r.exit_code = result.exitCode;
  if (result.httpStatus !== undefined) r.http_status = result.httpStatus;
  if (result.timedOut) r.timed_out = true;
  if (outcome.heals.length) r.heals = outcome.heals;
  if (outcome.classification !== undefined) r.classification = outcome.classification;
  if (outcome.knownIssues.length) r.known_issues = outcome.knownIssues;
  return r;
}
