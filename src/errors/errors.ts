/**
 * Every error aiw raises on purpose is an AiwError: a stable code, the exit code the CLI maps it to,
 * and, for problems in a file, where they are. `line:col` is computed when the error is made (from a
 * yaml LineCounter) but the frame is only rendered when printed.
 */
export type ErrorCode =
  | 'USAGE'
  | 'UNKNOWN_SKILL'
  | 'UNKNOWN_TOOL'
  | 'YAML_SYNTAX'
  | 'SCHEMA'
  | 'VALIDATION'
  | 'INPUT'
  | 'TEMPLATE'
  | 'PATTERN'
  | 'CONFIG'
  | 'MEMORY_READ'
  | 'MEMORY_WRITE'
  | 'LOCK_TIMEOUT'
  | 'SKILL_FAILED'
  | 'TOOL_FAILED'
  | 'INTERRUPTED';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

export interface AiwErrorOptions {
  location?: SourceLocation;
  hint?: string;
  cause?: unknown;
}

export class AiwError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: AiwErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AiwError';
    this.code = code;
    this.location = options.location;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

/** One problem found while validating; validation collects them all in one pass. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  code: ErrorCode;
  message: string;
  /** A warning is shown but does not fail `validate`. */
  severity?: 'warning';
}

export class ValidationError extends AiwError {
  readonly problems: Problem[];

  constructor(problems: Problem[], summary?: string) {
    const first = problems[0];
    super(first?.code ?? 'VALIDATION', summary ?? (first ? formatProblem(first) : 'validation failed'), {
      location: first ? { file: first.file, line: first.line, col: first.col } : undefined,
    });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'SKILL_FAILED':
    case 'TOOL_FAILED':
    case 'MEMORY_WRITE':
    case 'LOCK_TIMEOUT':
      return EXIT.failed;
    case 'INTERRUPTED':
      return EXIT.interrupted;
    default:
      return EXIT.usage;
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  if (loc.line === undefined) return loc.file;
  return `${loc.file}:${loc.line}:${loc.col ?? 1}`;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/** Message of anything thrown, for places that must report a foreign error without losing it. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
