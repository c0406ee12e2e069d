import { isAbsolute, relative } from 'node:path';
import { AiwError, ValidationError, errorMessage, exitCodeFor, formatLocation, formatProblem } from '../errors/errors.js';
import type { Io } from './io.js';

/** Print an error for a person (never a stack trace unless --debug) and return the exit code. */
export function reportError(err: unknown, io: Io, debug = false): number {
  if (err instanceof ValidationError) {
    for (const p of err.problems) io.stderr.write(`${formatProblem({ ...p, file: shownPath(p.file, io.cwd) })}\n`);
    io.stderr.write(`aiw: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found\n`);
  } else if (err instanceof AiwError) {
    const where = formatLocation(err.location);
    io.stderr.write(`aiw: ${where ? `${where}: ` : ''}${err.message}\n`);
    if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
  } else {
    io.stderr.write(`aiw: internal error: ${errorMessage(err)}\n`);
    if (!debug) io.stderr.write('run again with --debug to see where it happened, and please report it\n');
  }
  // A stack starts with the message, which may quote a secret: the output sink masks it like everything else.
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return err instanceof AiwError ? exitCodeFor(err.code) : 1;
}

/** The JSON shape of an error, for --json output when a command cannot run at all. */
export function errorDocument(err: unknown): Record<string, unknown> {
  if (err instanceof ValidationError) return { error: { code: err.code, message: err.message, problems: err.problems } };
  if (err instanceof AiwError) return { error: { code: err.code, message: err.message, location: err.location, hint: err.hint } };
  return { error: { code: 'INTERNAL', message: errorMessage(err) } };
}

/** A path as a person at `cwd` reads it: relative when it is inside, as it was given otherwise. */
function shownPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
