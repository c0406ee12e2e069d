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

export interface Classification {
  class: string;
  pattern: string;
  matched?: string;
}

export interface StepResult {
  name: string;
  type: StepType;
  status: StepStatus;
  tool?: string;
  attempts?: number;
  output?: unknown;
  error?: string;
  duration_ms: number;
  heals?: HealRecord[];
  classification?: Classification | null;
  known_issues?: KnownIssueMatch[];
  line?: number;
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
  error?: string;
  /** Where heal attempts went when the attempt log could not be written (never lost). */
  warnings?: string[];
}
