import type { KnownIssueMatch } from './run.js';

/** One line of tool_failures.yaml: an attempt of a tool call, or a quick fix run for it. */
export interface FailureRecord {
  tool: string;
  error: string | null;
  error_type: string | null;
  fix_attempted: string | null;
  success: boolean;
  timestamp: string;
  skill: string | null;
  step: string | null;
  attempt: number;
  duration_ms: number;
  run_id: string;
  /** `interrupted`: the attempt was stopped by Ctrl-C or SIGTERM; not a failure of the tool, kept out of the statistics. */
  kind: 'attempt' | 'fix' | 'remedy' | 'interrupted';
  pattern?: string | null;
  exit_code?: number | null;
  http_status?: number;
}

/** A learned fix that carries a remedy the engine may run by itself. */
export interface Remedy {
  tool: string;
  args: Record<string, unknown>;
  /** Identifies the learned fix, so a successful retry can count `times_prevented`. */
  fixTool: string;
  pattern: string;
}

/**
 * What the heal loop needs from memory. Defined here, where it is used; the memory module provides
 * it. Implementations never throw for storage problems: they report them as warnings and keep the
 * records in a sidecar file, so a broken memory file never stops a run.
 */
export interface Learning {
  recordAttempt(record: FailureRecord): Promise<void>;
  knownIssues(tool: string | undefined, errorText: string | undefined): Promise<KnownIssueMatch[]>;
  findRemedy(tool: string, errorText: string): Promise<Remedy | undefined>;
  markPrevented(remedy: Remedy): Promise<void>;
  /** Every storage problem met so far (each also reported as it happened), for `--json` documents. */
  warnings?(): string[];
}
