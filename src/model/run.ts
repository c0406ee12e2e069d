import type { ErrorCode, SourceLocation } from '../errors/errors.js';
import type { StepType } from './skill.js';

export type StepStatus = 'success' | 'failed' | 'skipped' | 'healed';
export type RunStatus = 'success' | 'partial' | 'failed';

export interface HealRecord {
  class: string;
  fix: string;
  fix_success: boolean;
  /** The pattern that classified the failure, so a person can see why the fix ran. */
  pattern?: string;
  /** 'profile' | 'step' | 'learned' (a remedy from memory) | 'shared' (another step's fix was reused). */
  source?: string;
  error?: string;
}

export interface KnownIssueMatch {
  source: 'tool_fixes' | 'patterns';
  tool_name?: string;
  pattern?: string;
  meaning?: string;
  root_cause?: string;
  fix?: string;
  commands?: string[];
  times_prevented?: number;
  category?: string;
  matched?: string;
  /** For a learned fix whose remedy was found but not run: only suggested (not trusted) or refused. */
  remedy_status?: 'suggested' | 'refused';
  remedy_note?: string;
}

/** Which class, which pattern said so, and the text it matched, so a user can see why. */
export interface Classification {
  class: string;
  pattern: string;
  matched?: string;
  /** `step`: the step's `detect_failure`; `classes`: the configured or built-in classes. */
  from?: 'step' | 'classes' | 'timeout' | 'status';
}

/**
 * Why a step or a run failed, kept structured from where it happened to every output: the code of
 * the error, its message (said once, without the prefixes of the layers it passed), where in which
 * file, and what to do about it.
 */
export interface StepError {
  code: ErrorCode;
  message: string;
  location?: SourceLocation;
  hint?: string;
  /** On a run's error: the step that failed, when a step did. */
  step?: string;
}

export interface StepResult {
  name: string;
  type: StepType;
  status: StepStatus;
  tool?: string;
  attempts?: number;
  output?: unknown;
  error?: StepError;
  duration_ms: number;
  heals?: HealRecord[];
  classification?: Classification | null;
  known_issues?: KnownIssueMatch[];
  line?: number;
  /** The skill file the step is defined in (a nested skill's steps live in its own file). */
  file?: string;
  /** For tool steps: how the last attempt ended. */
  exit_code?: number | null;
  http_status?: number;
  timed_out?: boolean;
  /** A failure the skill went on past (`on_error: continue` or `auto_heal`): CI shows it as a warning. */
  tolerated?: boolean;
  /** Steps of a nested skill or of a then block. */
  steps?: StepResult[];
}

export interface RunResult {
  skill: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  steps: StepResult[];
  outputs: Record<string, unknown>;
  returned?: unknown;
  duration_ms: number;
  run_id: string;
  file: string;
  error?: StepError;
  /** Where heal attempts went when the attempt log could not be written (never lost). */
  warnings?: string[];
}
