import { AiwError, ValidationError, errorMessage, formatLocation, formatProblem } from '../errors/errors.js';
import { redact, redactValue } from '../secrets/redact.js';

/** What a tools/call answers: text for the agent to read, the same data as JSON, isError on failure. */
export interface CallAnswer {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export function answer(text: string, data?: Record<string, unknown>, isError = false): CallAnswer {
  const out: CallAnswer = { content: [{ type: 'text', text: redact(text) }] };
  if (data) out.structuredContent = redactValue(data);
  if (isError) out.isError = true;
  return out;
}

/**
 * An error as the CLI prints it (cli/print-error.ts): problems as file:line:col, then the message
 * with its location and hint. An agent reads the same words a person would.
 */
export function errorText(err: unknown): string {
  if (err instanceof ValidationError) {
    const lines = err.problems.map(formatProblem);
    lines.push(`aiw: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found`);
    return redact(lines.join('\n'));
  }
  if (err instanceof AiwError) {
    const where = formatLocation(err.location);
    return redact(`aiw: ${where ? `${where}: ` : ''}${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`);
  }
  return `aiw: internal error: ${redact(errorMessage(err))}`;
}

export function errorAnswer(err: unknown): CallAnswer {
  const data: Record<string, unknown> = err instanceof AiwError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: errorMessage(err) };
  if (err instanceof ValidationError) data.problems = err.problems;
  if (err instanceof AiwError && err.hint) data.hint = err.hint;
  return answer(errorText(err), { error: data }, true);
}
