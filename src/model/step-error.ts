import { AiwError, errorMessage, formatLocation, type SourceLocation } from '../errors/errors.js';
import type { StepError } from './run.js';

/**
 * The structured error of anything thrown while a step ran. An AiwError keeps its code, location and
 * hint; anything else is an internal error at the step's own location, so no failure is left without
 * a place to look.
 */
export function toStepError(err: unknown, at?: SourceLocation): StepError {
  if (err instanceof AiwError) {
    const e: StepError = { code: err.code, message: err.message };
    const location = err.location ?? at;
    if (location) e.location = location;
    if (err.hint) e.hint = err.hint;
    return e;
  }
  const e: StepError = { code: 'INTERNAL', message: errorMessage(err) };
  if (at) e.location = at;
  return e;
}

/** `file:line:col: message`, then the hint on its own line: how a step error reads in every text output. */
export function formatStepError(e: StepError, displayFile: (file: string) => string = (f) => f): string {
  const where = e.location ? `${formatLocation({ ...e.location, file: displayFile(e.location.file) })}: ` : '';
  return `${where}${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`;
}
